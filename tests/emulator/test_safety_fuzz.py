"""Malformed input never gets a 500 or a traceback: wrong JSON types, huge numbers, NaN and
infinities, non-UTF-8 bytes, non-JSON bodies, over a set of v1, v2 and conat endpoints."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocalc_async.testing import Emulator
from cocalc_async.testing.safety import error_text, hub_error

from .emulator_helpers import basic

V2 = ["exec", "projects/get", "projects/create", "projects/write-text-file",
      "projects/copy-path", "projects/copy-path-status", "user-query", "api-keys",
      "public-paths/star", "accounts/profile", "auth/sign-up"]  # fmt: skip
V1 = ["ping", "project_exec", "read_text_file_from_project", "write_text_file_to_project",
      "public_get_directory_listing", "public_get_text_file", "copy_path_status", "query",
      "copy_path_between_projects", "get_usernames"]  # fmt: skip
PROJECT_FNS = ["system.exec", "system.readTextFileFromProject", "system.writeTextFileToProject",
               "system.listing", "system.signal", "system.ping"]  # fmt: skip
HUB_FNS = ["system.ping", "system.userSearch", "projects.createProject", "db.userQuery", "system.getNames",
           "projects.copyPathBetweenProjects", "messages.get"]  # fmt: skip
FIELDS = ["project_id", "path", "content", "timeout", "max_output", "args", "env", "bash",
          "async_call", "async_get", "async_await", "limit", "start", "offset", "hidden", "time",
          "query", "copy_path_id", "src_project_id", "target_project_id", "title", "signal",
          "pid", "pids", "account_ids", "err_on_exit", "id", "name", "src_path"]  # fmt: skip
PID = "<the real project>"

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.just(PID)
    | st.just("../../etc/passwd")
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)


def _fill(value: Any, pid: str) -> Any:
    if value == PID:
        return pid
    if isinstance(value, list):
        return [_fill(v, pid) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, pid) for k, v in value.items()}
    return value


def _safe(body: dict[str, Any]) -> dict[str, Any]:
    # the fuzzer chooses every field but the command: it must not run random programs
    return {**body, "command": "true"}


def _assert_not_500(status: int, text: str, what: Any) -> None:
    assert status != 500, (what, text[:400])
    assert "Traceback" not in text, (what, text[:400])


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.emulator_settings(v1=True, throttle=False)
@FUZZ
@given(api=st.sampled_from(["v1", "v2", "hub", "project"]), data=st.data())
async def test_json_bodies_never_500(emu: Emulator, api: str, data: st.DataObject) -> None:
    pid = emu.create_project()
    body = _fill(data.draw(bodies), pid)
    if api == "v1":
        url = f"/api/v1/{data.draw(st.sampled_from(V1))}"
        body = _safe(body)
    elif api == "v2":
        url = f"/api/v2/{data.draw(st.sampled_from(V2))}"
        body = _safe(body)
    elif api == "hub":
        url = "/api/conat/hub"
        body = {"name": data.draw(st.sampled_from(HUB_FNS)), "args": [body]}
    else:
        url = "/api/conat/project"
        name = data.draw(st.sampled_from(PROJECT_FNS))
        args = data.draw(st.sampled_from([[_safe(body)], _safe(body), [], None, "x", [1, 2]]))
        body = {
            "name": name,
            "args": args,
            "project_id": data.draw(st.sampled_from([pid, 7, None])),
        }
    raw = json.dumps(body, allow_nan=True).encode()  # NaN/Infinity tokens, as JS never sends
    async with aiohttp.ClientSession() as session:
        headers = {**basic(emu.api_key), "Content-Type": "application/json"}
        async with session.post(emu.url + url, data=raw, headers=headers) as resp:
            _assert_not_500(resp.status, await resp.text(), (url, body))


@pytest.mark.emulator_settings(v1=True, throttle=False)
@FUZZ
@given(
    url=st.sampled_from(
        [
            "/api/v1/ping",
            "/api/v1/project_exec",
            "/api/v2/exec",
            "/api/v2/projects/get",
            "/api/conat/hub",
            "/api/conat/project",
        ]
    ),
    payload=st.binary(max_size=64)
    | st.sampled_from([b"\xff\xfe{", b'{"a": "\xc3\x28"}', b"[1,2]", b'"str"', b"null", b"1e999"]),
    ctype=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data",
        ]
    ),
)
async def test_raw_bytes_never_500(emu: Emulator, url: str, payload: bytes, ctype: str) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {**basic(emu.api_key), "Content-Type": ctype}
        async with session.post(emu.url + url, data=payload, headers=headers) as resp:
            _assert_not_500(resp.status, await resp.text(), (url, payload, ctype))


@pytest.mark.emulator_settings(v1=True)
async def test_known_crashers(emu: Emulator) -> None:
    """Inputs that crashed a handler before (each one answered 500 with aiohttp's page)."""
    pid = emu.create_project()
    emu.store.set_public_path(pid, "")  # the whole project public: the listing reaches int()
    cases: list[tuple[str, Any]] = [
        ("/api/v2/exec", {"project_id": pid, "command": "true", "timeout": "abc"}),
        ("/api/v2/exec", {"project_id": pid, "async_get": "x", "timeout": "abc"}),
        ("/api/v2/projects/get", {"limit": "x"}),
        ("/api/conat/hub", {"name": "system.userSearch", "args": [{"query": "a", "limit": "x"}]}),
        ("/api/conat/hub", {"name": "messages.get", "args": [{"limit": 1e999}]}),
        ("/api/v1/project_exec", {"project_id": pid, "command": "true", "max_output": "lots"}),
        (
            "/api/conat/project",
            {
                "name": "system.exec",
                "project_id": pid,
                "args": [{"command": "true", "timeout": 1e999}],
            },
        ),
    ]
    async with aiohttp.ClientSession() as session:
        for url, body in cases:
            raw = json.dumps(body, allow_nan=True).encode()
            headers = {**basic(emu.api_key), "Content-Type": "application/json"}
            async with session.post(emu.url + url, data=raw, headers=headers) as resp:
                text = await resp.text()
                _assert_not_500(resp.status, text, (url, body))
                answer = json.loads(text)
                # the hub's error form: {"error"}, or a validation 400's {"message", "errors"}
                assert "error" in answer or "errors" in answer, (url, text)


async def test_middleware_maps_unexpected_errors(emu: Emulator) -> None:
    """A handler that raises gets the hub's error form for its API, and the log has the trace."""
    from cocalc_async.testing import v2

    async def broken(*_: Any) -> Any:
        raise OverflowError("cannot convert float infinity to integer")

    v2.ROUTES["test/broken"] = broken
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                emu.url + "/api/v2/test/broken", json={}, headers=basic(emu.api_key)
            ) as resp,
        ):
            assert resp.status == 200
            assert await resp.json() == {
                "error": "OverflowError: cannot convert float infinity to integer"
            }
    finally:
        del v2.ROUTES["test/broken"]


def test_hub_error_forms() -> None:
    v1 = hub_error("/api/v1/ping", "boom")
    assert (v1.status, json.loads(v1.text or "")) == (400, {"error": "boom"})
    v2 = hub_error("/api/conat/hub", "boom")
    assert (v2.status, json.loads(v2.text or "")) == (200, {"error": "boom"})
    page = hub_error("/app", "boom")
    assert page.status == 400
    assert len(error_text(ValueError("x" * 1000))) <= 300
    assert "\n" not in error_text(ValueError("a\nb"))
