"""The ``cocalc_emulator`` fixture in every mode a user's suite may run in: sync tests, async
tests under pytest-asyncio strict and auto mode, anyio; and a clear error, never a skip, when
an async test has nothing to run it. Each case runs pytest in a subprocess with the installed
entry point, as a user's project would."""

from __future__ import annotations

import threading

import pytest

from cocalc_async.testing.request_log import NoRequestsError, RequestLog
from cocalc_async.testing.threaded import ThreadedEmulator

pytest_plugins = ["pytester"]

SYNC = """
import json, urllib.request, base64

def _post(emu, path, body):
    auth = base64.b64encode(f"{emu.api_key}:".encode()).decode()
    req = urllib.request.Request(emu.url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Basic " + auth})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())

def test_sync(cocalc_emulator):
    emu = cocalc_emulator
    assert emu.url.startswith("http://127.0.0.1:")
    pid = emu.create_project()
    (emu.project_dir(pid) / "f.txt").write_text("hi")
    got = _post(emu, "/api/conat/project",
                {"name": "system.readTextFileFromProject", "args": [{"path": "f.txt"}],
                 "project_id": pid})
    assert got == "hi"
    assert emu.requests.count("conat/project") == 1
    assert emu.requests.last().body["name"] == "system.readTextFileFromProject"
    assert len(emu.requests) == 1 and [r.endpoint for r in emu.requests]
    emu.faults.add("v2/accounts/get-names", "http_500")
    assert emu.faults.pending() == 1
    emu.faults.latency_ms = 0.0
    emu.requests.clear()
    try:
        emu.requests.last()
    except LookupError as err:
        assert "no request" in str(err)
    else:
        raise AssertionError("last() on an empty log must raise")

def test_fresh_per_test(cocalc_emulator):
    assert cocalc_emulator.requests.total == 0

@__import__("pytest").mark.cocalc_emulator(throttle=False)
def test_settings_marker(cocalc_emulator):
    assert cocalc_emulator.settings.throttle is False
"""

ASYNC_BODY = """
import aiohttp

async def _ping(emu):
    async with aiohttp.ClientSession() as s:
        async with s.post(emu.url + "/api/conat/hub", json={"name": "system.ping"},
                          auth=aiohttp.BasicAuth(emu.api_key, "")) as r:
            return await r.json()

{marker}
async def test_async(cocalc_emulator):
    pid = cocalc_emulator.create_project()
    assert len(pid) == 36
    assert "now" in await _ping(cocalc_emulator)
    assert cocalc_emulator.requests.count("conat/hub") == 1
"""


def _run(pytester: pytest.Pytester, source: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makepyfile(test_user=source)
    pytester.makeini(f"[pytest]\n{ini}\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=180)


def test_sync_tests(pytester: pytest.Pytester) -> None:
    result = _run(pytester, SYNC)
    result.assert_outcomes(passed=3)


def test_pytest_asyncio_strict(pytester: pytest.Pytester) -> None:
    source = "import pytest\n" + ASYNC_BODY.replace("{marker}", "@pytest.mark.asyncio")
    result = _run(pytester, source, ini="asyncio_mode = strict")
    result.assert_outcomes(passed=1)


def test_pytest_asyncio_auto(pytester: pytest.Pytester) -> None:
    result = _run(pytester, ASYNC_BODY.replace("{marker}", ""), ini="asyncio_mode = auto")
    result.assert_outcomes(passed=1)


def test_anyio(pytester: pytest.Pytester) -> None:
    source = (
        "import pytest\n"
        "@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"
        + ASYNC_BODY.replace("{marker}", "@pytest.mark.anyio")
    )
    result = _run(pytester, source, "-p", "no:asyncio")
    result.assert_outcomes(passed=1)


def test_unrunnable_async_test_is_an_error_not_a_skip(pytester: pytest.Pytester) -> None:
    result = _run(pytester, ASYNC_BODY.replace("{marker}", ""), ini="asyncio_mode = strict")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0
    assert outcomes.get("passed", 0) == 0
    result.stdout.fnmatch_lines(["*pip install pytest-asyncio*"])


def test_without_pytest_asyncio_sync_tests_still_work(pytester: pytest.Pytester) -> None:
    result = _run(pytester, SYNC, "-p", "no:asyncio", "-p", "no:anyio")
    result.assert_outcomes(passed=3)


def test_empty_request_log_raises_a_clear_lookup_error() -> None:
    log = RequestLog()
    with pytest.raises(LookupError, match="no request yet") as info:
        log.last()
    assert isinstance(info.value, NoRequestsError)


def test_threaded_emulator_outside_pytest() -> None:
    with ThreadedEmulator() as emu:
        account_id, key = emu.create_account(email_address="t@example.com")
        assert key.startswith("sk")
        assert emu.store.account(account_id)["email_address"] == "t@example.com"
        assert threading.current_thread() is threading.main_thread()
        url = emu.url
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not running"):
        emu.call(print)
    with pytest.raises(AttributeError, match="not running"):
        emu.create_project  # noqa: B018 - the attribute access is what is tested
