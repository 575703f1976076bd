"""What generated coroutines send: only what the caller gave, checked against the spec first."""

from __future__ import annotations

import contextlib
import copy
import inspect
import json
import math
import pickle
import re
import uuid
import warnings
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cocalc_async
from cocalc_async import _runtime as _s
from cocalc_async import types
from cocalc_async._generated.conat import Conat
from cocalc_async._generated.v1 import V1
from cocalc_async._generated.v2 import V2
from cocalc_async._types import NOT_GIVEN, Json, NotGiven
from cocalc_async.codegen.pytypes import check_kind
from cocalc_async.errors import ResponseValidationError
from cocalc_async.spec import ENDPOINTS, Endpoint, find

UUID = "6c28c5f4-3235-46be-b025-166b4dcaac7e"


class Recorder:
    """Stands in for ``Client.call``: records each call and answers with a canned body."""

    def __init__(self, answer: Json) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json:
        self.calls.append((api, path, dict(params or {})))
        return self.answer


def _target(root: Any, e: Endpoint) -> Any:
    sep = "." if e.api.startswith("conat/") else "/"
    parts = e.path.split(sep)
    obj = root.hub if e.api == "conat/hub" else root.project if e.api == "conat/project" else root
    for part in parts[:-1]:
        obj = getattr(obj, part.replace("-", "_"))
    last = parts[-1]
    if e.api.startswith("conat/"):
        last = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", last).lower()
    return getattr(obj, last.replace("-", "_"))


def _value(name: str, annotation: str) -> Any:
    """A valid value for a required parameter, from its annotation."""
    if "Literal[" in annotation:
        return annotation.split("Literal[", 1)[1].split(",")[0].strip("\"']")
    if name.endswith("_id"):
        return UUID
    if annotation.startswith("str"):
        return "x"
    if annotation.startswith(("float", "int")):
        return 1
    if annotation.startswith("bool"):
        return True
    if annotation.startswith(("Sequence", "str | Sequence")):
        return [UUID] if name.endswith("_ids") else ["a"]
    return {"k": "v"}


def test_not_given_is_a_falsy_singleton_named_not_given() -> None:
    assert cocalc_async.NOT_GIVEN is NOT_GIVEN is types.NOT_GIVEN
    assert cocalc_async.NotGiven is NotGiven is types.NotGiven
    assert NotGiven() is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert "NOT_GIVEN" in cocalc_async.__all__


def _root(e: Endpoint, rec: Recorder) -> Any:
    return {"v1": V1, "v2": V2}.get(e.api, Conat)(rec)


def _required_kwargs(fn: Any) -> dict[str, Any]:
    return {
        name: _value(name, str(p.annotation))
        for name, p in inspect.signature(fn).parameters.items()
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }


def _sent(e: Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    """The keywords as they reach the server, whatever the args style."""
    if not e.api.startswith("conat/"):
        return params
    args = params["args"]
    if e.args_style == "positional":
        names = [p.name for p in e.params if p.exposed and p.name != "project_id"]
        return dict(zip(names, args, strict=False))  # trailing omitted ones are not sent
    first = args[0] if args else {}
    return first["opts"] if e.args_style == "opts" else first


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.api}:{e.path}")
async def test_a_minimal_call_sends_exactly_the_required_parameters(endpoint: Endpoint) -> None:
    rec = Recorder(answer=None)
    fn = _target(_root(endpoint, rec), endpoint)
    kwargs = _required_kwargs(fn)
    sig = inspect.signature(fn).parameters
    for group in endpoint.one_of:  # of each "at least one of" group, the first is given
        kwargs.setdefault(group[0], _value(group[0], str(sig[group[0]].annotation)))
    args = [UUID] if endpoint.api == "conat/project" else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The canned null fits no model; the request is what this test checks.
        with contextlib.suppress(ResponseValidationError):
            await fn(*args, **kwargs)
    sent = _sent(endpoint, rec.calls[0][2])
    required = {p.name for p in endpoint.params if p.required and p.exposed}
    if endpoint.api == "conat/project":
        required.discard("project_id")  # travels beside args, not in them
    required |= {group[0] for group in endpoint.one_of}
    # No default of ours reaches the server: the server applies its own.
    assert set(sent) == required


async def test_v1_copy_path_between_projects_no_longer_sends_exclude_history() -> None:
    # CoCalc's v1 validator rejected the key from 2021-07-17 (beac52edd1) on.
    rec = Recorder({"event": "success"})
    await V1(rec).copy_path_between_projects(
        src_project_id=UUID, src_path="a", target_project_id=UUID
    )
    assert rec.calls[0][2] == {"src_project_id": UUID, "src_path": "a", "target_project_id": UUID}
    rec = Recorder({"event": "success"})
    await V1(rec).copy_path_between_projects(
        src_project_id=UUID, src_path="a", target_project_id=UUID, wait=False, backup=True
    )
    assert "exclude_history" not in rec.calls[0][2]
    assert rec.calls[0][2]["backup"] is True


async def test_a_given_false_or_zero_is_sent_and_explicit_none_means_not_given() -> None:
    rec = Recorder({"stdout": "", "stderr": "", "exit_code": 0})
    await V2(rec).exec(
        project_id=UUID, command="ls", err_on_exit=False, bash=None, path="", args=[]
    )
    # False, "" and [] are values the caller chose; None is CoCalc's "not given".
    assert rec.calls[0][2] == {
        "project_id": UUID,
        "command": "ls",
        "err_on_exit": False,
        "path": "",
        "args": [],
    }


async def test_explicit_none_for_a_required_parameter_is_a_type_error() -> None:
    rec = Recorder(None)
    with pytest.raises(TypeError, match=r"v2/projects/stop: parameter 'project_id' is required"):
        await V2(rec).projects.stop(project_id=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"'account_ids' is required, got NOT_GIVEN"):
        await Conat(rec).hub.system.get_names(account_ids=NOT_GIVEN)  # type: ignore[arg-type]
    assert rec.calls == []


async def test_exec_needs_a_command_or_a_job_to_poll() -> None:
    rec = Recorder({"stdout": "", "stderr": "", "exit_code": 0})
    with pytest.raises(
        TypeError, match=r"v2/exec: give at least one of the parameters \['command', 'async_get'\]"
    ):
        await V2(rec).exec(project_id=UUID)
    with pytest.raises(TypeError, match="at least one of"):
        await V2(rec).exec(project_id=UUID, command=None, async_get=None)
    assert rec.calls == []
    # A poll in CoCalc's own form (ExecInputSchema's async branch): no command at all.
    await V2(rec).exec(project_id=UUID, async_get="job-1", async_await=True, async_stats=False)
    assert rec.calls[0][2] == {
        "project_id": UUID,
        "async_get": "job-1",
        "async_stats": False,
        "async_await": True,
    }
    with pytest.raises(TypeError, match=r"\['project_id', 'token_id'\]"):
        await Conat(rec).hub.projects.add_collaborator(account_id=UUID)


BAD_CALLS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("command", {"command": 3}, TypeError, "'command' must be a string, got int"),
    ("args", {"args": {"a": 1}}, TypeError, "'args' must be a list of strings, got dict"),
    ("args-str", {"args": "ls -l"}, TypeError, "'args' must be a list of strings, got str"),
    (
        "timeout-bool",
        {"exec_timeout": True},
        TypeError,
        "'exec_timeout' must be a number, got bool",
    ),
    (
        "timeout-nan",
        {"exec_timeout": math.nan},
        ValueError,
        "'exec_timeout' must be a finite number",
    ),
    (
        "timeout-inf",
        {"exec_timeout": math.inf},
        ValueError,
        "'exec_timeout' must be a finite number",
    ),
    ("timeout-0", {"exec_timeout": 0}, ValueError, "'exec_timeout' must be a positive number"),
    ("timeout-neg", {"exec_timeout": -5}, ValueError, "'exec_timeout' must be a positive number"),
    ("timeout-str", {"exec_timeout": "10"}, TypeError, "'exec_timeout' must be a number, got str"),
    ("bash-int", {"bash": 1}, TypeError, "'bash' must be a bool, got int"),
    ("bytes", {"command": b"ls"}, TypeError, "'command' must be text .str., got bytes"),
    ("empty-id", {"project_id": ""}, ValueError, "'project_id' must be a UUID.*an empty string"),
    ("bad-id", {"project_id": "abc"}, ValueError, "'project_id' must be a UUID"),
    ("int-id", {"project_id": 7}, TypeError, "'project_id' must be a UUID string, got int"),
    ("env-nan", {"env": {"A": math.nan}}, ValueError, r"'env\.A' holds nan"),
    ("env-key", {"env": {1: "x"}}, TypeError, "'env' has a key 1 that is not a string"),
    ("env-list", {"env": ["A=1"]}, TypeError, "'env' must be a mapping"),
]


@pytest.mark.parametrize(
    ("overrides", "exc", "message"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
async def test_bad_arguments_are_refused_before_sending(
    overrides: dict[str, Any], exc: type[Exception], message: str
) -> None:
    rec = Recorder(None)
    kwargs: dict[str, Any] = {"project_id": UUID, "command": "ls", **overrides}
    with pytest.raises(exc, match="v2/exec: parameter " + message):
        await V2(rec).exec(**kwargs)
    assert rec.calls == []


async def test_literal_and_list_parameters_are_checked() -> None:
    rec = Recorder(None)
    with pytest.raises(ValueError, match=r"'new_group' must be one of \['owner', 'collaborator'\]"):
        await V2(rec).projects.collaborators.change_user_type(
            project_id=UUID,
            target_account_id=UUID,
            new_group="admin",  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match=r"'account_ids\[1\]' must be a UUID string, got int"):
        await Conat(rec).hub.system.get_names(account_ids=[UUID, 5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="'account_ids' must be a list of UUID strings, got str"):
        await Conat(rec).hub.system.get_names(account_ids=UUID)
    assert rec.calls == []


async def test_file_content_bytes_travel_as_their_utf8_text() -> None:
    text = "héllo ✓\n"
    rec = Recorder({"status": "ok"})
    await V2(rec).projects.write_text_file(project_id=UUID, path="a.txt", content=text.encode())
    assert rec.calls[0][2]["content"] == text
    await Conat(rec).project.system.write_text_file_to_project(
        UUID,
        path="a.txt",
        content=bytearray(text.encode()),  # type: ignore[arg-type]
    )
    assert rec.calls[1][2]["args"] == [{"path": "a.txt", "content": text}]
    with pytest.raises(ValueError, match="'content' got bytes that are not UTF-8"):
        await V2(rec).projects.write_text_file(project_id=UUID, path="a", content=b"\xff\xfe")
    assert len(rec.calls) == 2
    # Anywhere else bytes are refused: a list of numbers would be sent otherwise.
    with pytest.raises(TypeError, match="'path' must be text"):
        await V2(rec).projects.write_text_file(project_id=UUID, path=b"a", content="x")  # type: ignore[arg-type]


async def test_rpc_timeout_must_be_positive() -> None:
    rec = Recorder({"now": 1})
    with pytest.raises(ValueError, match="rpc_timeout must be a positive number"):
        await Conat(rec).hub.system.ping(rpc_timeout=0)
    with pytest.raises(ValueError, match="rpc_timeout must be a positive number"):
        await Conat(rec).hub.system.ping(rpc_timeout=math.nan)
    assert rec.calls == []


def test_positional_args_keep_a_gap_as_null_and_drop_a_tail() -> None:
    check = _s.Checker("conat/hub/x.y", (("a", "text", False), ("b", "number", False)))
    assert check.positional({"a": NOT_GIVEN, "b": 3}) == [None, 3]
    assert check.positional({"a": "s", "b": NOT_GIVEN}) == ["s"]
    assert check.positional({"a": None, "b": None}) == []


def test_every_spec_type_maps_to_a_check_kind() -> None:
    for e in ENDPOINTS:
        for p in e.params:
            kind = check_kind(p)
            assert isinstance(kind, tuple) or kind in _s.KINDS, (e.key, p.name, p.type)
    exec_ = find("v2", "exec")
    write = find("v2", "projects/write-text-file")
    assert exec_ is not None
    assert write is not None
    timeout, content = exec_.param("timeout"), write.param("content")
    assert timeout is not None
    assert content is not None
    assert check_kind(timeout) == "timeout"
    assert check_kind(content) == "file_text"


# --- property-based: every kind, arbitrary values ------------------------------------------

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_anything = st.recursive(
    _json_leaf | st.binary(max_size=4) | st.uuids().map(str) | st.just(NOT_GIVEN),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)


def _accepts(kind: str, value: Any) -> bool:
    """What each kind must accept, stated independently of its implementation."""

    def is_uuid(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return str(uuid.UUID(v)) == v.lower() and len(v) == 36
        except ValueError:
            return False

    def is_json(v: Any) -> bool:
        if v is None or isinstance(v, (str, bool, int)):
            return True
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and (x is NOT_GIVEN or is_json(x)) for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return all(is_json(x) for x in v)
        return False

    seq = isinstance(value, (list, tuple))
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "text": isinstance(value, str),
        "file_text": isinstance(value, str) or _utf8(value),
        "uuid": is_uuid(value),
        "uuid_list": seq and bool(value) and all(is_uuid(v) for v in value),
        "uuid_or_list": is_uuid(value) or (seq and bool(value) and all(is_uuid(v) for v in value)),
        "text_list": seq and all(isinstance(v, str) for v in value),
        "text_or_list": isinstance(value, str) or (seq and all(isinstance(v, str) for v in value)),
        "number": number and math.isfinite(value),
        "timeout": number and math.isfinite(value) and value > 0,
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict) and is_json(value),
        "array": seq and is_json(value),
        "json": is_json(value),
    }[kind]


def _utf8(value: Any) -> bool:
    if not isinstance(value, bytes):
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(_s.KINDS)), value=_anything)
def test_each_kind_accepts_exactly_its_values(kind: str, value: Any) -> None:
    check = _s.Checker("v2/some/endpoint", (("param", kind, True),))
    if value is None or value is NOT_GIVEN:
        with pytest.raises(TypeError, match="v2/some/endpoint: parameter 'param' is required"):
            check({"param": value})
        return
    if _accepts(kind, value):
        out = check({"param": value})
        # What is sent is strict JSON (no NaN) and round-trips.
        text = json.dumps(out, allow_nan=False)
        assert json.loads(text) == out
        assert set(out) == {"param"}
    else:
        with pytest.raises((TypeError, ValueError)) as info:
            check({"param": value})
        assert "v2/some/endpoint: parameter 'param" in str(info.value)


@settings(max_examples=100, deadline=None)
@given(choices=st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=4), value=_anything)
def test_literal_kinds_accept_only_their_strings(choices: list[str], value: Any) -> None:
    check = _s.Checker("v2/x", (("p", tuple(choices), False),))
    if value is None or value is NOT_GIVEN:
        assert check({"p": value}) == {}
    elif isinstance(value, str) and value in choices:
        assert check({"p": value}) == {"p": value}
    else:
        with pytest.raises((TypeError, ValueError), match="v2/x: parameter 'p' must be one of"):
            check({"p": value})


# --- property-based: the generated coroutines themselves ----------------------------------

_ENDPOINTS_WITH_PARAMS = [
    e for e in ENDPOINTS if any(p.exposed and p.name != "project_id" for p in e.params)
]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
async def test_any_value_for_any_parameter_is_sent_as_json_or_refused_before_sending(
    data: st.DataObject,
) -> None:
    endpoint = data.draw(st.sampled_from(_ENDPOINTS_WITH_PARAMS), label="endpoint")
    rec = Recorder(answer=None)
    fn = _target(_root(endpoint, rec), endpoint)
    kwargs = _required_kwargs(fn)
    sig = inspect.signature(fn).parameters
    for group in endpoint.one_of:
        kwargs.setdefault(group[0], _value(group[0], str(sig[group[0]].annotation)))
    names = [p.name for p in endpoint.params if p.exposed and p.name in sig]
    name = data.draw(st.sampled_from(names), label="parameter")
    kwargs[name] = data.draw(_anything, label="value")
    args = [UUID] if endpoint.api == "conat/project" else []
    refused: Exception | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            await fn(*args, **kwargs)
        except ResponseValidationError:
            pass  # sent; the canned null fits no model
        except (TypeError, ValueError) as exc:
            refused = exc
    if refused is not None:
        assert rec.calls == []  # refused before anything was sent
        where = f"{endpoint.api}/{endpoint.path}: "
        text = str(refused)
        # A parameter with its own Python name (exec_timeout, wire name timeout) is named so.
        param = endpoint.param(name)
        shown = (param.py_name if param is not None else None) or name
        named = f"{where}parameter '{shown}" in text
        in_group = f"{where}give at least one of the parameters" in text and name in text
        assert named or in_group, refused
        return
    assert len(rec.calls) == 1
    json.dumps(rec.calls[0][2], allow_nan=False)  # strict JSON: no NaN, no bytes, no objects
