"""Copy polling (v1 and v2) and the generic poll loop, against the emulator."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping

import pytest

from cocalc_async import Client
from cocalc_async._generated.v2 import V2
from cocalc_async.errors import CopyFailedError, PollTimeoutError
from cocalc_async.models.exec import ExecResult
from cocalc_async.polling import ExecJob, ExecVia, copy_path_and_wait, poll, start_exec_job
from cocalc_async.testing import Emulator


def _seed(emu: Emulator) -> tuple[str, str]:
    src, dst = emu.create_project(title="src"), emu.create_project(title="dst")
    (emu.project_dir(src) / "hw").mkdir()
    (emu.project_dir(src) / "hw" / "q1.txt").write_text("question 1")
    return src, dst


async def test_v1_copy_success_polls_until_finished() -> None:
    async with Emulator(copy_delay=0.3, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        started = await c.v1.copy_path_between_projects(
            src_project_id=src, src_path="hw", target_project_id=dst
        )
        assert started.copy_path_id
        status = await c.wait_for_copy(started.copy_path_id, interval=0.05, max_interval=0.1)
        assert status.state == "succeeded"
        assert (emu.project_dir(dst) / "hw" / "q1.txt").read_text() == "question 1"
        # more than one poll: the copy was queued/running at first
        assert emu.requests.count("v1/copy_path_status") >= 2


async def test_v1_copy_failure_raises_with_final_status() -> None:
    async with (
        Emulator(copy_delay=0.05, v1=True) as emu,
        Client(emu.api_key, base_url=emu.url) as c,
    ):
        src, dst = _seed(emu)
        with pytest.raises(CopyFailedError) as info:
            await copy_path_and_wait(c, src, "no-such-folder", dst, wait_timeout=10)
        assert info.value.status.finished is not None
        assert "no-such-folder" in str(info.value.status.error)


async def test_the_old_timeout_name_of_the_copy_waits_warns_and_still_bounds_the_wait() -> None:
    async with Emulator(copy_delay=10, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        started = await c.v2.projects.copy_path(
            src_project_id=src, path="hw", target_project_id=dst, wait_until_done=False
        )
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with (
            pytest.warns(DeprecationWarning, match="wait_timeout"),
            pytest.raises(PollTimeoutError),
        ):
            await c.wait_for_copy_v2(started.copy_id, timeout=0.3, interval=0.05)
        assert loop.time() - t0 < 5  # the old name was the deadline, not ignored
        with pytest.raises(TypeError, match="wait_timeout only"):
            await c.wait_for_copy_v2(started.copy_id, wait_timeout=1, timeout=1)
        with (
            pytest.warns(DeprecationWarning, match="wait_timeout"),
            pytest.raises(PollTimeoutError),
        ):
            await poll(lambda: asyncio.sleep(0, 1), lambda n: False, timeout=0.1)


async def test_v1_copy_timeout_carries_last_status() -> None:
    async with Emulator(copy_delay=10, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        started = await c.v1.copy_path_between_projects(
            src_project_id=src, src_path="hw", target_project_id=dst
        )
        assert started.copy_path_id
        with pytest.raises(PollTimeoutError) as info:
            await c.wait_for_copy(started.copy_path_id, wait_timeout=0.4, interval=0.05)
        assert info.value.last_status is not None
        assert info.value.last_status.finished is None


async def test_cancelling_a_wait_stops_the_polling() -> None:
    async with Emulator(copy_delay=10, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        started = await c.v1.copy_path_between_projects(
            src_project_id=src, src_path="hw", target_project_id=dst
        )
        assert started.copy_path_id
        task = asyncio.create_task(
            c.wait_for_copy(started.copy_path_id, interval=0.02, max_interval=0.02)
        )
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.1)  # a request cut by the cancel may still be logged server-side
        polls = emu.requests.count("v1/copy_path_status")
        assert polls >= 2
        await asyncio.sleep(0.3)
        assert emu.requests.count("v1/copy_path_status") == polls


async def test_empty_copy_id_is_never_polled() -> None:
    async with Emulator(v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        with pytest.raises(ValueError, match="already finished"):
            await c.wait_for_copy("")
        assert emu.requests.count("v1/copy_path_status") == 0


async def test_sleeping_pollers_hold_no_concurrency_slot() -> None:
    # One slot, twenty copies being polled: a ping still gets through at once.
    async with (
        Emulator(copy_delay=1.5, v1=True) as emu,
        Client(emu.api_key, base_url=emu.url, max_concurrency=1) as c,
    ):
        src, dst = _seed(emu)
        ids = []
        for i in range(20):
            started = await c.v1.copy_path_between_projects(
                src_project_id=src, src_path="hw", target_project_id=dst, target_path=f"c{i}"
            )
            assert started.copy_path_id
            ids.append(started.copy_path_id)
        waits = [asyncio.create_task(c.wait_for_copy(i, interval=0.2)) for i in ids]
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await c.v1.ping()
        assert loop.time() - t0 < 0.5
        done = await asyncio.gather(*waits)
        assert all(s.state == "succeeded" for s in done)


async def test_v2_copy_success_and_failure() -> None:
    async with Emulator(copy_delay=0.2, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        started = await c.v2.projects.copy_path(
            src_project_id=src, path="hw", target_project_id=dst, wait_until_done=False
        )
        assert started.copy_id
        status = await c.wait_for_copy_v2(started.copy_id, interval=0.05)
        assert status.finished is not None
        assert (emu.project_dir(dst) / "hw" / "q1.txt").exists()
        bad = await c.v2.projects.copy_path(
            src_project_id=src, path="missing", target_project_id=dst, wait_until_done=False
        )
        with pytest.raises(CopyFailedError):
            await c.wait_for_copy_v2(bad.copy_id, interval=0.05)


async def test_poll_backs_off_and_times_out_with_last_value() -> None:
    calls: list[float] = []
    loop = asyncio.get_running_loop()

    async def fetch() -> int:
        calls.append(loop.time())
        return len(calls)

    assert await poll(fetch, lambda n: n == 4, interval=0.01, max_interval=0.05) == 4
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[-1] > gaps[0]  # the pause grows
    with pytest.raises(PollTimeoutError) as info:
        await poll(fetch, lambda n: False, wait_timeout=0.15, interval=0.01, max_interval=0.02)
    assert info.value.last_status == len(calls)


async def test_generated_copy_with_wait_true_polls_instead_of_asking_the_server_to_wait() -> None:
    async with Emulator(copy_delay=0.2, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        status = await c.v1.copy_path_between_projects(
            src_project_id=src,
            src_path="hw",
            target_project_id=dst,
            wait_until_done=True,  # overridden: the server's own wait gives up after 4 minutes
            wait=True,
        )
        assert status is not None
        assert status.state == "succeeded"
        assert (emu.project_dir(dst) / "hw" / "q1.txt").read_text() == "question 1"
        sent = [r.body for r in emu.requests if r.endpoint == "v1/copy_path_between_projects"]
        assert sent[-1]["wait_until_done"] is False
        assert emu.requests.count("v1/copy_path_status") >= 1
        with pytest.raises(CopyFailedError):
            await c.v1.copy_path_between_projects(
                src_project_id=src, src_path="nowhere", target_project_id=dst, wait=True
            )


async def test_generated_v2_copy_path_with_wait_true() -> None:
    async with Emulator(copy_delay=0.2, v1=True) as emu, Client(emu.api_key, base_url=emu.url) as c:
        src, dst = _seed(emu)
        status = await c.v2.projects.copy_path(
            src_project_id=src, path="hw", target_project_id=dst, wait=True, wait_timeout=30
        )
        assert status is not None
        assert status.finished is not None
        assert status.error in (None, "")
        sent = [r.body for r in emu.requests if r.endpoint == "v2/projects/copy-path"]
        assert sent[-1]["wait_until_done"] is False
        assert emu.requests.count("v2/projects/copy-path-status") >= 1
        # without wait=True the start answer comes back as before
        started = await c.v2.projects.copy_path(
            src_project_id=src, path="hw", target_project_id=dst, wait_until_done=False
        )
        assert started.copy_id


async def test_a_cancel_landing_with_a_poll_result_is_not_swallowed() -> None:
    # The result and the cancel arrive in the same loop step; asyncio.wait_for on Python < 3.12
    # returned the result, dropped the cancel and polled on (CPython gh-86296). Seen in CI.
    loop = asyncio.get_running_loop()
    answers: list[asyncio.Future[str]] = []
    asked = asyncio.Event()

    async def fetch() -> str:
        answers.append(loop.create_future())
        asked.set()
        return await answers[-1]

    task = asyncio.create_task(poll(fetch, lambda _: False, interval=0.01, max_interval=0.01))
    await asked.wait()
    answers[0].set_result("running")
    task.cancel()
    done, _ = await asyncio.wait((task,), timeout=1)
    assert done, "the poller swallowed the cancel and is polling on"
    assert task.cancelled()
    assert len(answers) == 1


async def test_a_cancelled_poller_cancels_its_call_in_flight() -> None:
    loop = asyncio.get_running_loop()
    call: asyncio.Future[str] = loop.create_future()
    started = asyncio.Event()

    async def fetch() -> str:
        started.set()
        return await call

    task = asyncio.create_task(poll(fetch, lambda _: False))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert call.cancelled()


async def test_a_timeout_error_from_the_call_is_not_taken_for_the_deadline() -> None:
    async def fetch() -> str:
        raise TimeoutError("the call's own timeout")

    with pytest.raises(TimeoutError, match="the call's own timeout") as info:
        await poll(fetch, lambda _: False, wait_timeout=5)
    assert not isinstance(info.value, PollTimeoutError)


class _Recorder:
    """A Caller that records each call (api, path, body, call options) and answers ``answer``."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, object], dict[str, object]]] = []

    async def call(
        self, api: str, path: str, params: Mapping[str, object] | None = None, **options: object
    ) -> object:
        self.calls.append((api, path, dict(params or {}), options))
        return self.answer


def _http_timeout(options: Mapping[str, object]) -> object:
    """The call's HTTP timeout: the generated coroutines pass it as ``request_timeout``."""
    assert "timeout" not in options  # the deprecated name, which Client.call warns about
    return options["request_timeout"]


PID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
RUNNING = {"type": "async", "job_id": "j-1", "status": "running", "stdout": "", "stderr": ""}


@pytest.mark.parametrize("via", ["v2", "conat"])
async def test_a_poll_sends_only_the_poll_fields_and_may_be_repeated(via: ExecVia) -> None:
    rec = _Recorder(RUNNING)
    job = await start_exec_job(rec, PID, "make", exec_timeout=3600, via=via)  # type: ignore[arg-type]
    await job.status()
    start, poll_ = rec.calls
    assert start[3]["idempotent"] is False  # a start runs the command: never repeated
    assert poll_[3]["idempotent"] is True  # a poll only reads the job
    if via == "v2":
        assert (start[0], start[1]) == ("v2", "exec")
        # the start answers at once: the client's own timeout, not 3600 s + a margin
        assert _http_timeout(start[3]) is None
        assert start[2] == {
            "project_id": PID,
            "command": "make",
            "timeout": 3600,
            "async_call": True,
        }
        assert poll_[2] == {"project_id": PID, "async_get": "j-1", "async_stats": False}
        assert _http_timeout(poll_[3]) is None
    else:
        assert (start[0], start[1]) == ("conat/project", "system.exec")
        assert start[2]["args"] == [{"command": "make", "timeout": 3600, "async_call": True}]
        assert start[2]["timeout"] == 30_000  # the bridge's limit for a call that answers at once
        assert poll_[2] == {
            "project_id": PID,
            "args": [{"async_get": "j-1", "async_stats": False}],
            "timeout": 30_000,
        }


async def test_a_hanging_poll_is_never_retried_and_is_cut_at_the_slice() -> None:
    rec = _Recorder({**RUNNING, "status": "completed", "stdout": "ok\n"})
    job = ExecJob(rec, PID, "make", ExecResult(type="async", job_id="j-1", status="running"))  # type: ignore[arg-type]
    result = await job.wait(wait_timeout=30, await_slice=5)
    assert result.stdout == "ok\n"
    api, path, body, options = rec.calls[-1]
    assert (api, path) == ("v2", "exec")
    assert body == {
        "project_id": PID,
        "async_get": "j-1",
        "async_stats": False,
        "async_await": True,
    }
    assert (_http_timeout(options), options["max_retries"], options["idempotent"]) == (5, 0, True)


async def test_wait_true_on_a_copy_needs_a_caller_that_can_poll() -> None:
    # The generated copy coroutines poll through the caller's wait_for_copy_v2 (a Client's):
    # a bare Caller gets a clear error rather than an import of the pollers from below.
    rec = _Recorder({"copy_id": "c-1"})
    with pytest.raises(TypeError, match="wait_for_copy_v2"):
        await V2(rec).projects.copy_path(  # type: ignore[arg-type]
            src_project_id=PID, path="a", target_project_id=PID, wait=True
        )


async def test_start_exec_job_still_takes_timeout_for_the_server_limit() -> None:
    rec = _Recorder(RUNNING)
    with pytest.warns(DeprecationWarning, match="exec_timeout"):
        await start_exec_job(rec, PID, "make", timeout=5)  # type: ignore[arg-type]
    assert rec.calls[0][2]["timeout"] == 5  # the same server-side limit on the wire
    with pytest.raises(TypeError, match="exec_timeout only"):
        await start_exec_job(rec, PID, "make", timeout=5, exec_timeout=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exec_timeout"):
        await start_exec_job(rec, PID, "make", exec_timeout=0)  # type: ignore[arg-type]
    assert len(rec.calls) == 1  # refused before anything was sent
