"""The key never leaks; TLS is verified by default; the emulator refuses what it must.

Extends tests/core/test_config_and_secrets.py (one 502, one reset, logs and reprs) and
tests/core/test_session.py (the cross-origin 307) to every fault kind and every error kind, the
emulator's request log, a TLS server, and the emulator's own hardening.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import ssl
import subprocess
import traceback
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import Client, Timeout, errors
from cocalc_async._sansio import build_request
from cocalc_async.testing import Emulator, FaultKind


def key_forms(key: str) -> list[str]:
    basic = base64.b64encode(f"{key}:".encode()).decode()
    return [key, basic, basic.rstrip("="), base64.b64encode(key.encode()).decode().rstrip("=")]


def assert_no_key(text: str, key: str) -> None:
    for form in key_forms(key):
        assert form not in text, "the API key (or its base64 form) leaked"


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_the_key_is_in_no_log_repr_traceback_or_request_log_for_any_fault(
    emu: Emulator,
) -> None:
    key = emu.api_key
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sdk = logging.getLogger("cocalc_async")
    old_sdk_level = sdk.level
    sdk.setLevel(logging.DEBUG)
    collected: list[str] = []
    kinds = [k for k in FaultKind if k is not FaultKind.CUSTOM]
    try:
        client = Client(
            key, base_url=emu.url, request_timeout=Timeout(read=0.3, total=5), max_retries=1
        )
        collected += [repr(client), str(client), repr(client.session), str(client.session)]
        async with client:
            for kind in kinds:
                emu.faults.add("v1/create_project", kind, times=2, delay=0.5, retry_after=0.01)
                try:
                    await client.call("v1", "create_project", {"title": "x"})
                except errors.CoCalcError as exc:
                    collected += [str(exc), repr(exc), traceback.format_exc(), repr(vars(exc))]
            # a wrong key, a bad parameter, a closed client: the other error kinds
            stranger = Client("sk_wrong_key_abcdef", base_url=emu.url)
            for call in (
                stranger.call("v1", "ping"),
                client.call("v1", "ping", {"bogus": 1}),
            ):
                try:
                    await call
                except errors.CoCalcError as exc:
                    collected += [str(exc), repr(exc), traceback.format_exc(), repr(vars(exc))]
            await stranger.close()
            request = build_request("v1", "ping", {}, base_url=emu.url)
            collected += [repr(request), str(request)]
        try:
            await client.call("v1", "ping")
        except errors.ClientClosedError:
            collected.append(traceback.format_exc())
        collected += [repr(r) for r in emu.requests]
        collected += [repr(emu), repr(emu.requests)]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        sdk.setLevel(old_sdk_level)
    assert len(emu.requests) > len(kinds)
    assert sum("Traceback" in c for c in collected) >= len(kinds) - 1
    assert any("DEBUG" in line for line in handler.lines)
    assert any("retrying" in line for line in handler.lines)
    assert_no_key("\n".join(collected + handler.lines), key)


async def test_a_key_echoed_by_the_server_is_masked_in_errors(emu: Emulator) -> None:
    key = emu.api_key
    basic = key_forms(key)[1]
    body = f'{{"error": "proxy rejected Authorization: Basic {basic} for key {key}"}}'
    emu.faults.add(
        "v1/ping", FaultKind.CUSTOM, status=502, body=body, content_type="application/json", times=3
    )
    async with Client(key, base_url=emu.url) as client:
        with pytest.raises(errors.BadGatewayError) as info:
            await client.call("v1", "ping")
    exc = info.value
    text = "\n".join(
        [str(exc), repr(exc), repr(vars(exc)), "".join(traceback.format_exception(exc))]
    )
    assert "proxy rejected" in text
    assert_no_key(text, key)


async def test_same_origin_redirect_keeps_authorization(emu: Emulator, request_ids: Any) -> None:
    """The counterpart of core's cross-origin test: a same-origin 307 still authenticates."""
    emu.faults.add("v1/ping", FaultKind.CUSTOM, status=307, body="", content_type="text/plain")
    # CUSTOM faults carry no Location, so a same-origin redirect is made by hand below.
    async with Client(emu.api_key, base_url=emu.url, max_retries=0) as client:
        with pytest.raises(errors.APIStatusError):
            await client.call("v1", "ping")
    assert all(a is not None and a.startswith("Basic ") for a in request_ids.authorization)


# --- TLS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pytest.skip("openssl is not available to make a test certificate")
    return cert, key


async def test_tls_is_verified_by_default_and_turning_it_off_warns(
    self_signed: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    from aiohttp import web

    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    hits: list[str] = []

    async def pong(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"event": "pong"})

    app = web.Application()
    app.router.add_post("/api/v1/ping", pong)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    assert site._server is not None
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    url = f"https://127.0.0.1:{port}"
    try:
        async with Client("sk_tls_test_key", base_url=url) as client:
            assert client.session.transport.verify_ssl is True  # type: ignore[attr-defined]
            with pytest.raises(errors.APIConnectionError) as info:
                await client.call("v1", "ping")
        assert "certificate" in str(info.value).lower()
        assert info.value.attempts == 1  # a bad certificate is not retried
        assert info.value.transient is False
        assert hits == []
        with caplog.at_level(logging.WARNING, logger="cocalc_async"):
            async with Client("sk_tls_test_key", base_url=url, verify_ssl=False) as client:
                assert await client.call("v1", "ping") == {"event": "pong"}
        assert "verification is OFF" in caplog.text
        assert hits == ["/api/v1/ping"]
    finally:
        await runner.cleanup()


# --- emulator hardening ------------------------------------------------------------------


async def _error_of(client: Client, path: str, params: dict[str, Any]) -> errors.CoCalcError:
    try:
        await client.call("v1", path, params, max_retries=0)
    except errors.CoCalcError as exc:
        return exc
    raise AssertionError(f"{path} {params} was allowed")


async def test_path_traversal_and_symlink_escapes_are_refused(
    emu: Emulator, tmp_path: Path
) -> None:
    pid = emu.create_project()
    home = emu.project_dir(pid)
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside the project")
    (home / "escape").symlink_to(tmp_path)
    (home / "escape_file").symlink_to(outside)
    async with Client(emu.api_key, base_url=emu.url) as client:
        # An absolute path is read/written inside the project (as "~/" + path) or refused;
        # either way the outside file must stay untouched (checked at the end).
        for path in ("../outside.txt", "../../etc/passwd", "escape/outside.txt", "escape_file",
                     "a/../../x"):  # fmt: skip
            err = await _error_of(
                client, "read_text_file_from_project", {"project_id": pid, "path": path}
            )
            assert "secret outside" not in str(err)
            await _error_of(
                client,
                "write_text_file_to_project",
                {"project_id": pid, "path": path, "content": "pwned"},
            )
    assert outside.read_text() == "secret outside the project"
    assert not (home.parent / "x").exists()


async def test_a_project_key_cannot_touch_another_project(emu: Emulator) -> None:
    mine, other = emu.create_project(), emu.create_project()
    project_key = emu.create_project_key(mine)
    async with Client(project_key, base_url=emu.url) as client:
        ok = await client.call("v1", "project_exec", {"project_id": mine, "command": "true"})
        assert isinstance(ok, dict)
        assert ok["exit_code"] == 0
        for path, params in (
            ("project_exec", {"project_id": other, "command": "touch", "args": ["pwned"]}),
            ("write_text_file_to_project", {"project_id": other, "path": "p", "content": "x"}),
            ("read_text_file_from_project", {"project_id": other, "path": "p"}),
        ):
            err = await _error_of(client, path, params)
            assert isinstance(err, errors.PermissionDeniedError), repr(err)
    assert not any(emu.project_dir(other).iterdir())


async def test_a_stranger_cannot_read_a_private_project_or_a_non_public_path(
    emu: Emulator,
) -> None:
    pid = emu.create_project()
    (emu.project_dir(pid) / "private.txt").write_text("private")
    (emu.project_dir(pid) / "pub").mkdir()
    (emu.project_dir(pid) / "pub" / "ok.txt").write_text("public")
    emu.store.set_public_path(pid, "pub")
    _, stranger_key = emu.create_account(email_address="stranger@example.com")
    async with Client(stranger_key, base_url=emu.url) as client:
        err = await _error_of(
            client, "read_text_file_from_project", {"project_id": pid, "path": "private.txt"}
        )
        assert isinstance(err, errors.PermissionDeniedError)
        err = await _error_of(
            client, "public_get_text_file", {"project_id": pid, "path": "private.txt"}
        )
        assert "private" not in (getattr(err, "body_excerpt", "") or "").replace("private.txt", "")
        reply = await client.call(
            "v1", "public_get_text_file", {"project_id": pid, "path": "pub/ok.txt"}
        )
        assert isinstance(reply, dict)
        assert reply["data"] == "public"


async def test_exec_runs_in_the_project_and_its_timeout_kills_the_process_group(
    emu: Emulator,
) -> None:
    pid = emu.create_project()
    home = emu.project_dir(pid)
    async with Client(emu.api_key, base_url=emu.url) as client:
        out = await client.call("v1", "project_exec", {"project_id": pid, "command": "pwd"})
        assert isinstance(out, dict)
        assert isinstance(out["stdout"], str)
        assert _same_dir(out["stdout"].strip(), home)
        script = "sleep 30 & echo $! > child.pid; sleep 30"
        started = asyncio.get_running_loop().time()
        with contextlib.suppress(errors.CoCalcError):
            await client.call(
                "v1",
                "project_exec",
                {"project_id": pid, "command": "sh", "args": ["-c", script], "timeout": 1},
                max_retries=0,
            )
        assert asyncio.get_running_loop().time() - started < 10
    child = int((home / "child.pid").read_text())
    await asyncio.sleep(0.3)
    assert not _alive(child), "the background child outlived the exec timeout"


def _same_dir(a: str, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())
