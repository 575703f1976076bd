"""The success fast paths of build_request and classify_response agree with the full paths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from cocalc_async import _sansio
from cocalc_async._types import NOT_GIVEN
from cocalc_async.errors import CoCalcError

HEADERS = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
ENDPOINTS = [
    ("v1", "ping"),
    ("v1", "create_account"),
    ("v2", "projects/get"),
    ("v2", "auth/sign-up"),
    ("v2", "latex"),
    ("conat/hub", "system.ping"),
    ("conat/project", "system.exec"),
]
BODIES: list[Any] = [
    {"event": "pong", "now": "2026-11-22T10:00:00.000Z"},
    {"now": 1796303942354},
    [{"project_id": "x", "name": None}],
    [],
    {},
    {"error": "must be signed in"},
    {"error": None, "ok": 1},
    {"error": False},
    {"error": ""},
    {"event": "error", "error": "boom"},
    {"event": "account_creation_failed", "reason": {"email": "taken"}},
    {"event": "changed_password", "error": "wrong password"},
    {"event": "changed_password"},
    {"event": []},
    {"issues": {"email": "taken"}},
    {"ok": True, "status": "failed"},
    "a bare string",
    3,
    None,
]


def full_path(api: str, path: str, status: int, body: bytes) -> Any:
    """What classify_response answered before the fast path: the _Answer route, always."""
    answer = _sansio._Answer(api, path, status, HEADERS, body, "", 1)
    return _sansio._classify(answer)


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args))
    except CoCalcError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize(("api", "path"), ENDPOINTS)
@pytest.mark.parametrize("status", [200, 201, 204])
def test_classify_fast_path_matches_the_full_path(api: str, path: str, status: int) -> None:
    for data in BODIES:
        body = json.dumps(data).encode()
        fast = outcome(_sansio.classify_response, api, path, status, HEADERS, body)
        assert fast == outcome(full_path, api, path, status, body), (api, path, data)
    for body in (b"", b"not json", b"[1,"):
        fast = outcome(_sansio.classify_response, api, path, status, HEADERS, body)
        assert fast[0] == outcome(full_path, api, path, status, body)[0]


def test_an_error_object_never_takes_the_fast_path() -> None:
    with pytest.raises(CoCalcError):
        _sansio.classify_response("v2", "projects/get", 200, HEADERS, b'{"error":"nope"}')
    with pytest.raises(CoCalcError):
        _sansio.classify_response("v1", "ping", 200, HEADERS, b'{"event":"error"}')


def test_build_request_bodies_and_urls() -> None:
    base = "http://127.0.0.1:9"
    got = _sansio.build_request("v1", "ping", {}, base_url=base)
    assert got == ("POST", base + "/api/v1/ping", b"{}", "v1", "ping")
    assert _sansio.build_request("v2", "projects/get", None, base_url=base).body == b"{}"
    req = _sansio.build_request(
        "v2", "exec", {"command": "ls", "path": None, "args": NOT_GIVEN}, base_url=base
    )
    assert req.url == base + "/api/v2/exec"
    assert json.loads(req.body) == {"command": "ls"}
    conat = _sansio.build_request("conat/hub", "system.ping", {"args": []}, base_url=base)
    assert conat.url == base + "/api/conat/hub"
    assert json.loads(conat.body) == {"name": "system.ping", "args": []}
    empty = _sansio.build_request("conat/project", "system.ping", {}, base_url=base)
    assert json.loads(empty.body) == {"name": "system.ping"}
    # The same endpoint on another server gets that server's URL, not a cached one.
    other = _sansio.build_request("v1", "ping", {}, base_url="http://127.0.0.1:10")
    assert other.url == "http://127.0.0.1:10/api/v1/ping"


@pytest.mark.parametrize("params", [[], "", 0, [("a", 1)], "x"])
def test_build_request_refuses_params_that_are_not_a_mapping(params: Any) -> None:
    with pytest.raises(TypeError, match="params must be a mapping"):
        _sansio.build_request("v1", "ping", params, base_url="http://127.0.0.1:9")


def test_build_request_still_validates_every_endpoint_and_key() -> None:
    base = "http://127.0.0.1:9"
    with pytest.raises(ValueError, match="invalid endpoint path"):
        _sansio.build_request("v2", "../etc", {}, base_url=base)
    with pytest.raises(ValueError, match="api must be one of"):
        _sansio.build_request("v3", "ping", {}, base_url=base)
    bad_key: dict[Any, str] = {1: "x"}
    with pytest.raises(TypeError, match="parameter names must be strings"):
        _sansio.build_request("v2", "exec", bad_key, base_url=base)
    with pytest.raises(ValueError, match="'event'"):
        _sansio.build_request("v1", "ping", {"event": "ping"}, base_url=base)
    with pytest.raises(ValueError, match="'name'"):
        _sansio.build_request("conat/hub", "system.ping", {"name": "x"}, base_url=base)


def _flat_models() -> list[type]:
    import importlib
    import pkgutil

    import attrs

    from cocalc_async import _convert, models

    found = []
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"cocalc_async.models.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value) and _convert._is_flat_model(value):
                found.append(value)
    return found


def _result(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # cattrs' own errors, or ResponseValidationError from ours
        return ("error", type(exc).__name__)


def test_flat_models_structure_as_cattrs_does() -> None:
    import attrs

    from cocalc_async import _convert

    flat = _flat_models()
    assert any(cl.__name__ == "ProjectSummary" for cl in flat)
    detailed = _convert.converter()  # cattrs' own hooks, without the flat fast path
    samples: dict[Any, list[Any]] = {
        str: ["x", 5, None],
        int: [3, "4", 2.0, "x", None],
        float: [1.5, 2, "x", None],
        bool: [True, 0, None],
    }
    checked = 0
    for cl in flat:
        fields = attrs.fields(cl)
        for field in fields:
            base = next(s for s in samples if field.type in (s, s | None))
            for value in [*samples[base], "<missing>"]:
                data = {f.name: next(iter(samples[_base(f.type)])) for f in fields}
                if value == "<missing>":
                    del data[field.name]
                else:
                    data[field.name] = value
                data["unknown_key"] = [1, 2]
                want = _result(detailed.structure, data, cl)
                got = _result(_convert.structure, data, cl)
                assert got[0] == want[0], (cl, data, got, want)
                if want[0] == "ok":
                    assert got == want, (cl, data)
                checked += 1
    assert checked > 50


def _base(kind: Any) -> type:
    return next(s for s in (str, int, float, bool) if kind in (s, s | None))
