"""Binding beyond loopback needs allow_remote (and then every request needs a key); faults from
the command line (``serve --fault``) and over HTTP (``/_emulator/faults``, admin token)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from cocalc_async.cli import main as cli_main
from cocalc_async.testing import Emulator
from cocalc_async.testing.faults import FaultKind
from cocalc_async.testing.safety import KEY_REQUIRED, RemoteBindError, check_bind
from cocalc_async.testing.serve import FaultSpecError, parse_fault, run

from .emulator_helpers import basic

REMOTE = ["0.0.0.0", "::", "192.0.2.1", "example.com", "10.1.2.3"]


@pytest.mark.parametrize("host", REMOTE)
def test_remote_bind_refused_without_allow_remote(host: str) -> None:
    with pytest.raises(RemoteBindError, match="--allow-remote"):
        Emulator(host=host)
    # allowed explicitly: constructing is fine (the tests never listen beyond loopback)
    assert Emulator(host=host, allow_remote=True).allow_remote


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_needs_nothing(host: str) -> None:
    check_bind(host, allow_remote=False)


@pytest.mark.parametrize(
    "argv", [["serve", "--host", "0.0.0.0"], ["serve", "--fault", "v2/exec"],
             ["serve", "--fault", "v2/exec:no_such_kind"], ["serve", "--fault", "v2/exec:slow:0"]],
)  # fmt: skip
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert "cocalc-async serve: error:" in err
    assert "Traceback" not in err


def test_run_refuses_remote_with_a_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("0.0.0.0") == 2
    assert "refusing to bind '0.0.0.0'" in capsys.readouterr().err


def test_parse_fault() -> None:
    assert parse_fault("v2/exec:http_502:2") == ("v2/exec", FaultKind.HTTP_502, 2)
    assert parse_fault("conat/hub/system.ping:slow") == (
        "conat/hub/system.ping",
        FaultKind.SLOW,
        1,
    )
    assert parse_fault("*:non_json:3") == ("*", FaultKind.NON_JSON, 3)
    for bad in ("", "v2/exec", ":http_502", "v2/exec:http_502:-1", "v2/exec:http_502:0"):
        with pytest.raises(FaultSpecError):
            parse_fault(bad)


@pytest_asyncio.fixture
async def remote_emu() -> AsyncIterator[Emulator]:
    # allow_remote on loopback: the same key rule applies, and the test stays on 127.0.0.1
    async with Emulator(allow_remote=True) as emu:
        yield emu


async def test_allow_remote_makes_a_key_mandatory(remote_emu: Emulator) -> None:
    url = remote_emu.url
    async with aiohttp.ClientSession() as s:
        for headers in ({}, basic("sk-not-a-real-key"), {"Authorization": "Weird x"}):
            async with s.post(f"{url}/api/v2/public-paths/listing-cached", json={},
                              headers=headers) as r:  # fmt: skip
                assert r.status == 401
                assert await r.json() == {"error": KEY_REQUIRED}
        async with s.get(f"{url}/") as r:  # the web pages too
            assert r.status == 401
        async with s.post(f"{url}/api/v2/public-paths/listing-cached", json={},
                          headers=basic(remote_emu.api_key)) as r:  # fmt: skip
            assert r.status == 200
            assert "error" not in await r.json()


async def test_loopback_default_keeps_anonymous_routes() -> None:
    async with Emulator() as emu, aiohttp.ClientSession() as s:
        r = await s.post(f"{emu.url}/api/v2/public-paths/listing-cached", json={})
        assert r.status == 200
        r.release()


async def test_admin_fault_endpoint() -> None:
    async with Emulator() as emu, aiohttp.ClientSession() as s:
        assert len(emu.admin_token) >= 24
        assert emu.admin_token != emu.api_key
        faults = f"{emu.url}/_emulator/faults"
        admin = {"Authorization": f"Bearer {emu.admin_token}"}
        for headers in ({}, {"Authorization": f"Bearer {emu.api_key}"}, basic(emu.admin_token)):
            async with s.post(faults, json={"endpoint": "*", "kind": "http_502"},
                              headers=headers) as r:  # fmt: skip
                assert r.status == 401
        assert emu.faults.pending() == 0
        for bad, text in (
            ({"endpoint": "v2/exec", "kind": "boom"}, "kind must be one of"),
            ({"endpoint": "", "kind": "http_502"}, "endpoint must be"),
            ({"endpoint": "v2/exec", "kind": "http_502", "times": 0}, "times must be"),
            ({"endpoint": "v2/exec", "kind": "slow", "delay": "x"}, "wrong type"),
            ({"endpoint": "v2/exec", "kind": "slow", "nope": 1}, "unknown option"),
            ([1], "must be an object"),
        ):
            async with s.post(faults, json=bad, headers=admin) as r:
                assert r.status == 400
                assert text in (await r.json())["error"]
        async with s.post(faults, data=b"\xff", headers=admin) as r:
            assert r.status == 400
        spec = {"endpoint": "v2/accounts/get-names", "kind": "http_503", "times": 2,
                "retry_after": 3}  # fmt: skip
        async with s.post(faults, json=spec, headers=admin) as r:
            assert r.status == 200
            assert (await r.json())["pending"] == 2
        target = f"{emu.url}/api/v2/accounts/get-names"
        for _ in range(2):
            async with s.post(target, json={"account_ids": []}) as r:
                assert r.status == 503
                assert r.headers["Retry-After"] == "3"
        async with s.post(target, json={"account_ids": []}) as r:
            assert r.status == 200
        async with s.get(faults, headers=admin) as r:
            assert await r.json() == {"pending": 0, "injected": {"http_503": 2}}
        emu.faults.add("*", "http_500", 5)
        async with s.delete(faults, headers=admin) as r:
            assert await r.json() == {"pending": 0}
        assert emu.faults.pending() == 0


async def _line(proc: asyncio.subprocess.Process, prefix: str) -> str:
    assert proc.stdout is not None
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert raw, f"serve ended before printing {prefix}"
        text = raw.decode().strip()
        if text.startswith(prefix):
            return text[len(prefix) :]


async def test_serve_fault_flag_end_to_end() -> None:
    """The real command: ``serve --fault`` scripts faults, the admin token is printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; from cocalc_async.cli import main; sys.exit(main())",
        "serve", "--fault", "v2/accounts/get-names:http_502:2", "--fault", "conat/hub:non_json",
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        url = await _line(proc, "COCALC_URL=")
        token = await _line(proc, "COCALC_EMULATOR_ADMIN_TOKEN=")
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as s:
            statuses = []
            for _ in range(3):
                async with s.post(f"{url}/api/v2/accounts/get-names", json={}) as r:
                    statuses.append(r.status)
            assert statuses == [502, 502, 200]
            async with s.post(f"{url}/api/conat/hub", json={"name": "system.ping"}) as r:
                assert r.content_type == "text/html"
            async with s.get(f"{url}/_emulator/faults",
                             headers={"Authorization": f"Bearer {token}"}) as r:  # fmt: skip
                assert await r.json() == {"pending": 0, "injected": {"http_502": 2, "non_json": 1}}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
