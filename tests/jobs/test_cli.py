"""The CLI's exit codes, output modes and error lines, against an emulator on another thread
(``main`` runs its own event loop, as it does from the shell)."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from cocalc_async.cli import main
from cocalc_async.testing import Emulator


class Server:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emu = Emulator()  # today's era: v2 and conat, every /api/v1/* path a 404
        asyncio.run_coroutine_threadsafe(self.emu.start(), self.loop).result(10)

    def project(self) -> str:
        async def make() -> str:
            return self.emu.create_project(title="cli")

        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.emu.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def env(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    monkeypatch.setenv("COCALC_URL", server.emu.url)
    monkeypatch.setenv("COCALC_API_KEY", server.emu.api_key)
    monkeypatch.delenv("COCALC_API_KEY_FILE", raising=False)
    return server


def test_ping_and_whoami(env: Server, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ping"]) == 0
    assert "pong from" in capsys.readouterr().out
    assert main(["whoami", "--json"]) == 0
    me = json.loads(capsys.readouterr().out)
    assert (me["kind"], me["account_id"]) == ("account", env.emu.account_id)
    assert main(["whoami"]) == 0
    assert capsys.readouterr().out.startswith(env.emu.account_id)
    assert env.emu.requests.count("v1/ping") == 0
    assert env.emu.requests.count("conat/hub") >= 1


def test_doctor_passes_on_todays_emulator(env: Server, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "everything works" in out
    assert "FAIL" not in out
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["served"] == {"v1": False, "v2": True, "conat": True}
    assert report["identity"]["account_id"] == env.emu.account_id


def test_doctor_without_a_key_says_what_to_set(
    env: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COCALC_API_KEY")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "no API key given" in out
    assert "COCALC_API_KEY" in out


def test_exec_exit_codes(env: Server, capsys: pytest.CaptureFixture[str]) -> None:
    pid = env.project()
    assert main(["exec", pid, "--", "echo", "hello"]) == 0
    assert capsys.readouterr().out == "hello\n"
    assert main(["exec", pid, "--json", "--", "bash", "-c", "exit 3"]) == 1
    assert json.loads(capsys.readouterr().out)["exit_code"] == 3
    assert main(["exec", pid]) == 2
    assert main(["exec", "not-a-uuid", "--", "true"]) == 2
    capsys.readouterr()
    # longer than a hub keeps a request open: an async job, waited for
    env.emu.requests.clear()
    assert main(["exec", pid, "--exec-timeout", "120", "--", "echo", "as-a-job"]) == 0
    assert capsys.readouterr().out == "as-a-job\n"
    start = env.emu.requests.for_endpoint("v2/exec")[0].body
    assert (start["async_call"], start["timeout"]) == (True, 120)
    # --wait-timeout bounds the waiting, not the job: it ends the wait (exit 1) long before the
    # job's own 120 s server-side limit
    started = time.monotonic()
    argv = ["exec", pid, "--exec-timeout", "120", "--wait-timeout", "0.5", "--", "sleep", "5"]
    assert main(argv) == 1
    assert time.monotonic() - started < 4
    assert "still running" in capsys.readouterr().err


def test_write_read_copy_query_call(
    env: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = env.project(), env.project()
    monkeypatch.setattr(sys, "stdin", io.StringIO("line one\n"))
    assert main(["write", src, "notes/a.txt"]) == 0
    capsys.readouterr()
    assert main(["read", src, "notes/a.txt"]) == 0
    assert capsys.readouterr().out == "line one\n"
    assert main(["copy", src, "notes", dst, "--wait", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["finished"]
    assert main(["read", dst, "notes/a.txt"]) == 0
    assert capsys.readouterr().out == "line one\n"
    assert main(["query", '{"accounts": {"account_id": null}}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accounts"]["account_id"] == env.emu.account_id
    assert main(["call", "conat/hub", "system.ping", "{}", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out)["now"], int)
    assert main(["call", "v1", "ping", "{}"]) == 5  # today's hub has no v1: its 404 page
    capsys.readouterr()
    assert main(["copy", src, "notes", dst, "copied", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] in ("started", "done")


def test_error_exit_codes_print_one_line(
    env: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["query", "{not json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not valid JSON" in err
    assert main(["read", env.project(), "missing.txt"]) == 5
    err = capsys.readouterr().err
    assert err.startswith("cocalc-async: error:")
    assert "Traceback" not in err
    monkeypatch.setenv("COCALC_API_KEY", "sk-wrong-key-0000000000")
    assert main(["ping"]) == 4
    capsys.readouterr()
    monkeypatch.delenv("COCALC_API_KEY")
    assert main(["ping"]) == 3
    assert "no API key" in capsys.readouterr().err
    monkeypatch.setenv("COCALC_API_KEY", "sk-some-key")
    assert main(["ping", "--url", "http://127.0.0.1:9", "--timeout", "2"]) == 6


def test_debug_shows_traceback_but_never_the_key(
    env: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--debug", "read", env.project(), "missing.txt"]) == 5
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert env.emu.api_key not in err
    # --debug lasts for that one command: its handler on this (captured) stderr is gone again.
    import logging

    package_logger = logging.getLogger("cocalc_async")
    assert not [h for h in package_logger.handlers if type(h) is logging.StreamHandler]
    assert package_logger.level == logging.NOTSET


def test_course_provision_embedded_and_failures(
    tmp_path: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COCALC_URL", raising=False)
    from pathlib import Path

    roster = Path(str(tmp_path)) / "roster.csv"
    roster.write_text("email,first_name,last_name\na@example.com,A,A\nb@example.com,B,B\n")
    report = Path(str(tmp_path)) / "report.json"
    args = ["course", "provision", "--roster", str(roster), "--report", str(report)]
    assert main([*args, "--no-progress"]) == 0
    assert "2 of 2 students ok" in capsys.readouterr().out
    assert json.loads(report.read_text())["ok"] is True
    assert main([*args, "--check", "exit 7", "--json"]) == 1
    # --json streams one event per line while it works; the summary is the last line
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["ok"] is False
    assert out["counts"]["check"]["failed"] == 2


def test_course_provision_against_a_server_needs_its_inputs(
    env: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["course", "provision"]) == 2
    assert "--roster" in capsys.readouterr().err


def test_demo_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCALC_URL", raising=False)
    assert main(["demo", "--students", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # the instructor's project and one per student; students without an account are invited
    assert out["projects"] == 4
    assert 1 <= out["accounts"] <= 4
    assert out["runs"][1]["counts"]["project"]["skipped"] == 3


def test_help_is_fast_because_nothing_heavy_loads() -> None:
    code = (
        "import sys\nfrom cocalc_async.cli import main\n"
        "assert main(['--help']) == 0\n"
        "print(sorted(m for m in ('aiohttp', 'attrs', 'cattrs', 'cocalc_async.client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "exit codes:" in out.stdout


async def test_serve_prints_what_a_shell_needs_and_stops_on_sigterm() -> None:
    """``cocalc-async serve --port 0``: the printed COCALC_URL/COCALC_API_KEY work as is."""
    import signal

    from cocalc_async import Client

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cocalc_async", "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    env: dict[str, str] = {}
    try:
        while "COCALC_API_KEY" not in env:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
            assert line, "serve exited before printing its key"
            name, _, value = line.partition("=")
            env[name] = value
        assert env["COCALC_URL"].startswith("http://127.0.0.1:")
        async with Client(env["COCALC_API_KEY"], base_url=env["COCALC_URL"]) as client:
            assert (await client.conat.hub.system.ping()).now is not None
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
