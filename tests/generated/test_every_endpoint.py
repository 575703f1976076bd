"""Every generated coroutine, called once against a recording fake caller."""

from __future__ import annotations

import inspect
import json
import uuid
import warnings
from collections.abc import Mapping
from typing import Any

import pytest

from cocalc_async._generated.conat import Conat
from cocalc_async._generated.v1 import V1
from cocalc_async._generated.v2 import V2
from cocalc_async._types import Json
from cocalc_async.errors import ResponseValidationError
from cocalc_async.spec import ENDPOINTS, Endpoint

UUID = "6c28c5f4-3235-46be-b025-166b4dcaac7e"


class Recorder:
    """Stands in for ``Client.call``: records each call and answers with a canned body."""

    def __init__(self, answer: Json) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

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
        opts = {
            "request_timeout": request_timeout,
            "max_retries": max_retries,
            "idempotent": idempotent,
        }
        self.calls.append((api, path, dict(params or {}), opts))
        return self.answer


def _target(root: Any, e: Endpoint) -> Any:
    sep = "." if e.api.startswith("conat/") else "/"
    parts = e.path.split(sep)
    obj = root.hub if e.api == "conat/hub" else root.project if e.api == "conat/project" else root
    for part in parts[:-1]:
        obj = getattr(obj, part.replace("-", "_"))
    last = parts[-1]
    if e.api.startswith("conat/"):
        import re

        last = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", last).lower()
    return getattr(obj, last.replace("-", "_"))


def _value(name: str, annotation: str) -> Any:
    if "Literal[" in annotation:
        return annotation.split("Literal[", 1)[1].split(",")[0].strip("\"']")
    if name.endswith("_id") and annotation.startswith("str"):
        return UUID
    if annotation.startswith("str"):
        return "x"
    if annotation.startswith(("float", "int")):
        return 1
    if annotation.startswith("bool"):
        return True
    if annotation.startswith("Sequence") or annotation.startswith("str | Sequence"):
        return [UUID] if name.endswith("_ids") else ["a"]
    return {"k": "v"}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.api}:{e.path}")
async def test_each_coroutine_sends_its_endpoint(endpoint: Endpoint) -> None:
    rec = Recorder(answer=None)
    root = {"v1": V1, "v2": V2}.get(endpoint.api, Conat)(rec)
    fn = _target(root, endpoint)
    kwargs: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty:
            kwargs[name] = _value(name, str(p.annotation))
        if p.kind is p.KEYWORD_ONLY and name.endswith("_id") and "str" in str(p.annotation):
            kwargs[name] = UUID
    # Of each "at least one of" group, the first is given.
    sig = inspect.signature(fn).parameters
    for group in endpoint.one_of:
        kwargs.setdefault(group[0], _value(group[0], str(sig[group[0]].annotation)))
    args = [UUID] if endpoint.api == "conat/project" else []
    # The endpoints CoCalc stopped serving warn; every other one must not.
    removed = endpoint.status == "removed-from-http"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if endpoint.result_model and endpoint.result_model != "None":
            # The canned ``null`` cannot fit a model; the request is what this test checks.
            with pytest.raises(ResponseValidationError):
                await fn(*args, **kwargs)
        else:
            assert await fn(*args, **kwargs) is None
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == (1 if removed else 0)
    if removed:
        assert "not part of the HTTP API" in str(deprecations[0].message)
    assert len(rec.calls) == 1
    api, path, params, opts = rec.calls[0]
    assert (api, path) == endpoint.key
    assert opts["idempotent"] is endpoint.idempotent
    json.dumps(params)  # the body must be JSON
    if api.startswith("conat/"):
        assert isinstance(params["args"], list)
        assert (params.get("project_id") == UUID) is (api == "conat/project")
    else:
        assert "event" not in params
        wire = {p.name for p in endpoint.params}
        assert set(params) <= wire
        for name in kwargs:
            assert name in params or kwargs[name] is None
    if endpoint.path in ("copy_path_status", "copy_path_delete"):
        assert "id" not in params


async def test_exec_result_type_and_body() -> None:
    from cocalc_async.models.exec import ExecResult

    rec = Recorder({"event": "project_exec_output", "stdout": "a", "stderr": "", "exit_code": 0})
    out = await V1(rec).project_exec(project_id=UUID, command="ls", args=["-l"], exec_timeout=30)
    assert isinstance(out, ExecResult)
    assert out.stdout == "a"
    _, _, params, opts = rec.calls[0]
    assert params["args"] == ["-l"]
    assert params["timeout"] == 30
    assert opts["request_timeout"] == 60.0  # stretched past the command's own 30 s


async def test_copy_path_status_has_no_id_and_types_the_result() -> None:
    from cocalc_async.models.copy import CopyPathStatus

    rec = Recorder({"started": None, "finished": "2026-05-11T00:00:00Z", "copy_error": None})
    out = await V2(rec).projects.copy_path_status(copy_id=UUID)
    assert isinstance(out, CopyPathStatus)
    assert out.state == "succeeded"
    assert rec.calls[0][:3] == ("v2", "projects/copy-path-status", {"copy_id": UUID})


async def test_uuid_params_are_checked_before_sending() -> None:
    rec = Recorder(None)
    with pytest.raises(ValueError, match="v2/projects/stop: parameter 'project_id' must be a UUID"):
        await V2(rec).projects.stop(project_id="not-a-uuid")
    with pytest.raises(ValueError, match="account_id"):
        await V2(rec).projects.collaborators.add(project_id=UUID, account_id=str(uuid.uuid4())[:-1])
    # A list where one UUID string belongs is a type error, not a list of projects.
    with pytest.raises(TypeError, match="'project_id' must be a UUID string, got list"):
        await V1(rec).project_exec(project_id=[], command="ls")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty list"):
        await V1(rec).add_collaborator(project_id=[], account_id=[])
    assert rec.calls == []


async def test_unknown_keyword_is_a_type_error_before_sending() -> None:
    rec = Recorder(None)
    with pytest.raises(TypeError):
        await V1(rec).ping(evnt="ping")  # type: ignore[call-arg]
    assert rec.calls == []


@pytest.mark.parametrize(
    "event",
    [
        "delete_account",
        "forgot_password",
        "reset_forgot_password",
        "unlink_passport",
        "metrics",
        "start_metrics",
    ],
)
async def test_removed_endpoints_warn(event: str) -> None:
    fn = getattr(V1(Recorder({"event": "success"})), event)
    kwargs = {
        n: _value(n, str(p.annotation))
        for n, p in inspect.signature(fn).parameters.items()
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }
    with pytest.warns(DeprecationWarning, match=f"endpoint '{event}' is not part of the HTTP API"):
        await fn(**kwargs)


async def test_conat_call_and_wrappers() -> None:
    rec = Recorder({"now": 1700000000000})
    conat = Conat(rec)
    pong = await conat.hub.system.ping()
    assert pong.now.year == 2023
    await conat.hub.call("system.ping", timeout=5)
    assert rec.calls[1][2] == {"args": [], "timeout": 5000}
    await conat.project.system.exec(UUID, command="ls", exec_timeout=20)
    api, path, params, _opts = rec.calls[2]
    assert (api, path) == ("conat/project", "system.exec")
    assert params == {
        "args": [{"command": "ls", "timeout": 20}],
        "timeout": 20000,
        "project_id": UUID,
    }
    await conat.hub.projects.add_collaborator(project_id=UUID, account_id=UUID)
    assert rec.calls[3][2]["args"] == [{"opts": {"project_id": UUID, "account_id": UUID}}]


async def test_conat_results_are_typed_as_cocalc_declares_them() -> None:
    from cocalc_async.models.org import Organization, OrgMember, OrgToken

    org = Conat(Recorder({"name": "uni", "admin_account_ids": [UUID], "added": "later"})).hub.org
    got = await org.get(name="uni")
    assert got == Organization(name="uni", admin_account_ids=[UUID])  # unknown keys tolerated
    rows: Json = [{"account_id": UUID, "first_name": "A", "email_address": "a@b.c"}]
    members = await Conat(Recorder(rows)).hub.org.get_users(name="uni")
    assert members == [OrgMember(account_id=UUID, first_name="A", email_address="a@b.c")]
    token = await Conat(Recorder({"token": "t", "url": "/u"})).hub.org.create_token(user="a@b.c")
    assert token == OrgToken(token="t", url="/u")
    assert await Conat(Recorder("acct")).hub.org.create_user(name="uni", email="a@b.c") == "acct"
    with pytest.raises(ResponseValidationError):
        await Conat(Recorder({"account_id": UUID})).hub.org.create_user(name="u", email="a@b.c")
    # A Promise<void> RPC returns None whatever a newer server might add.
    rec = Recorder({"extra": 1})
    await Conat(rec).hub.org.add_admin(name="uni", user=UUID)  # typed -> None: nothing to misuse
    assert rec.calls[0][2]["args"] == [{"name": "uni", "user": UUID}]
    assert await Conat(Recorder(3)).hub.messages.send(subject="s", body="b", to_ids=[UUID]) == 3
