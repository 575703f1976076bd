"""Async exec jobs (v2 and the conat project bridge): start, status, wait (the hanging
async_await poll, cut off by the hub and polled again), cancel, errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from cocalc_async import Client
from cocalc_async.errors import ExecFailedError, ExecJobPollError, PollTimeoutError
from cocalc_async.testing import Emulator


async def test_job_lifecycle_running_then_completed() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 0.4; echo done")
        assert job.job_id
        first = await job.status()
        assert first.status == "running"
        result = await job.wait(wait_timeout=10)
        assert result.status == "completed"
        assert result.stdout == "done\n"
        assert result.exit_code == 0


async def test_error_status_raises_with_output_and_exit_code() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "echo broken >&2; exit 3")
        with pytest.raises(ExecFailedError) as info:
            await job.wait(wait_timeout=10)
        assert "broken" in info.value.stderr
        assert info.value.exit_code == 1  # the project reports 1 for an errored job


async def test_err_on_exit_false_returns_the_real_exit_code() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "echo out; exit 3", err_on_exit=False)
        result = await job.wait(wait_timeout=10)
        assert (result.status, result.exit_code, result.stdout) == ("completed", 3, "out\n")


async def test_wait_times_out_and_reconnects_after_a_dropped_call() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url, max_retries=0) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 0.6; echo late")
        with pytest.raises(PollTimeoutError) as info:
            await job.wait(wait_timeout=0.2)
        assert info.value.last_status is not None
        emu.faults.add("v2/exec", "reset_before_body", times=1)
        result = await job.wait(wait_timeout=10)
        assert result.stdout == "late\n"
        assert emu.requests.count("v2/exec") >= 3


async def test_cancelling_a_wait_cancels_the_hanging_call_and_leaves_the_client_usable() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 5; echo late")
        before = emu.requests.count("v2/exec")
        waiting = asyncio.create_task(job.wait(wait_timeout=30))
        for _ in range(500):  # until the async_await call is hanging in the server (at most 5 s)
            if emu.requests.count("v2/exec") > before:
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the wait never called async_await")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert c.session.in_flight == 0  # the hanging HTTP call went with the wait
        seen = emu.requests.count("v2/exec")
        await asyncio.sleep(0.3)
        assert emu.requests.count("v2/exec") == seen  # and nothing polls on
        assert (await job.status()).status == "running"  # the job itself runs on


# --- a scripted hub that keeps exec jobs as CoCalc does and counts how often a command starts ---

POLL_KEYS = {"project_id", "async_get", "async_await", "async_stats"}
PROJECT = "b08f73f5-f616-4ba3-b143-3a40214dd8c0"
KEY = "sk_exec_job_test_key_0123456789"


@dataclass
class FakeJob:
    job_id: str
    command: str
    ends_at: float
    pid: int
    signalled: int | None = None
    awaited: bool = False

    def state(self, loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
        done = self.signalled is not None or loop.time() >= self.ends_at
        out: dict[str, Any] = {
            "type": "async",
            "job_id": self.job_id,
            "start": 1796303957826,
            "pid": self.pid,
            "stdout": "",
            "stderr": "",
            "exit_code": 0,
            "status": "running",
        }
        if self.signalled is not None:
            out.update(status="error", stderr=f"killed by signal {self.signalled}", exit_code=1)
        elif done:
            out.update(status="completed", stdout=f"ran: {self.command}\n")
        return out


@dataclass
class ExecHub:
    """A loopback hub with v2 ``exec`` and the conat project bridge's ``system.exec``/``signal``.

    Like a hub that validates its input (development mode), it takes any body holding
    ``command`` for a new command and runs it. A hanging ``async_await`` poll is cut after
    ``cutoff`` seconds (the real hub's is about 60 s) with ``cut`` as the answer; the conat
    bridge cuts at the ``timeout`` of the body (15 s when absent) with CoCalc's 408 text.
    """

    job_seconds: float = 0.45
    cutoff: float = 0.3
    cut: str = "undefined"
    polls_as_blocking: bool = False
    starts: int = 0
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    signals: list[dict[str, Any]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> ExecHub:
        app = web.Application()
        app.router.add_post("/api/v2/exec", self._v2)
        app.router.add_post("/api/conat/project", self._conat)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def polls(self) -> list[dict[str, Any]]:
        return [b for _, b in self.bodies if "async_get" in b]

    async def _exec(self, opts: dict[str, Any], bridge_s: float | None) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        if "command" in opts or (self.polls_as_blocking and "async_get" in opts):
            self.starts += 1
            if not opts.get("async_call"):
                return web.json_response(
                    {"type": "blocking", "stdout": "again\n", "stderr": "", "exit_code": 0}
                )
            job = FakeJob(str(uuid.uuid4()), opts["command"], loop.time() + self.job_seconds,
                          4000 + self.starts)  # fmt: skip
            self.jobs[job.job_id] = job
            return web.json_response(job.state(loop))
        job_or_none = self.jobs.get(str(opts.get("async_get")))
        if job_or_none is None:
            return web.json_response(
                {"error": f"Async operation '{opts.get('async_get')}' does not exist."}
            )
        job = job_or_none
        if opts.get("async_await"):
            if not job.awaited:
                # The job's time counts from the first wait, so however slow the start was,
                # the first hanging poll always meets the cut-off when job_seconds > cutoff.
                job.awaited = True
                job.ends_at = max(job.ends_at, loop.time() + self.job_seconds)
            limit = self.cutoff if bridge_s is None else min(self.cutoff, bridge_s)
            until = loop.time() + limit
            while loop.time() < until and job.state(loop)["status"] == "running":  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            if job.state(loop)["status"] == "running":
                if bridge_s is not None:
                    return web.json_response(
                        {"error": "timeout - callHub: subject='project.api', code='408'"}
                    )
                return await self._cut()
        return web.json_response(job.state(loop))

    async def _cut(self) -> web.StreamResponse:
        if self.cut == "undefined":
            return web.json_response({"error": "undefined"})
        if self.cut in ("502", "504"):
            return web.Response(status=int(self.cut), text="<html><title>Bad Gateway</title></html>",
                                content_type="text/html")  # fmt: skip
        raise AssertionError(self.cut)

    async def _v2(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(("v2", body))
        return await self._exec(body, None)

    async def _conat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(("conat", body))
        args = body.get("args") or [{}]
        bridge_s = float(body.get("timeout", 15000)) / 1000
        if body.get("name") == "system.exec":
            return await self._exec(dict(args[0]), bridge_s)
        if body.get("name") == "system.signal":
            self.signals.append(args[0])
            for job in self.jobs.values():
                if -job.pid in args[0].get("pids", []):
                    job.signalled = args[0]["signal"]
            return web.json_response(None)
        return web.json_response({"error": f"Error: unknown function '{body.get('name')}'"})


@pytest.fixture
async def hub(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ExecHub]:
    from cocalc_async import polling

    monkeypatch.setattr(polling, "CUT_OFF_PAUSE_S", 0.02)  # a second per cut-off in real use
    h = await ExecHub().start()
    try:
        yield h
    finally:
        await h.stop()


@pytest.mark.parametrize("cut", ["undefined", "502", "504"])
async def test_a_job_longer_than_the_hubs_cut_off_runs_once_and_returns_its_output(
    hub: ExecHub, cut: str
) -> None:
    # 90 s against a 60 s cut-off, scaled down: the job outlives one hanging poll.
    hub.cut, hub.job_seconds, hub.cutoff = cut, 0.45, 0.3
    async with Client(KEY, base_url=hub.url, max_retries=0) as c:
        job = await c.exec_job(PROJECT, "make all", exec_timeout=90)
        result = await job.wait(wait_timeout=10)
    assert result.status == "completed"
    assert result.stdout == "ran: make all\n"
    assert hub.starts == 1
    waits = [b for b in hub.polls() if b.get("async_await")]
    assert len(waits) >= 2  # the first was cut off, and the wait polled on
    for body in hub.polls():
        assert set(body) <= POLL_KEYS, body
        assert body["async_stats"] is False  # required by CoCalc's async schema
    start = hub.bodies[0][1]
    assert start == {
        "project_id": PROJECT,
        "command": "make all",
        "timeout": 90,
        "async_call": True,
    }


async def test_our_own_slice_shorter_than_the_hubs_cut_off_polls_again(hub: ExecHub) -> None:
    hub.job_seconds, hub.cutoff = 0.6, 30.0
    async with Client(KEY, base_url=hub.url, max_retries=0) as c:
        job = await c.exec_job(PROJECT, "make all")
        result = await job.wait(wait_timeout=10, await_slice=0.2)
    assert result.stdout == "ran: make all\n"
    assert hub.starts == 1
    assert len([b for b in hub.polls() if b.get("async_await")]) >= 3


async def test_the_conat_route_sends_its_own_bridge_timeout_and_survives_the_408(
    hub: ExecHub,
) -> None:
    hub.job_seconds, hub.cutoff = 0.45, 5.0
    async with Client(KEY, base_url=hub.url, max_retries=0) as c:
        job = await c.exec_job(PROJECT, "make all", via="conat")
        assert job.via == "conat"
        result = await job.wait(wait_timeout=10, await_slice=0.2)
    assert result.stdout == "ran: make all\n"
    assert hub.starts == 1
    conat = [b for route, b in hub.bodies if route == "conat"]
    assert all(b["name"] == "system.exec" and b["project_id"] == PROJECT for b in conat)
    polls = [b for b in conat if "async_get" in b["args"][0]]
    assert len(polls) >= 2
    for body in polls:
        assert set(body["args"][0]) <= POLL_KEYS - {"project_id"}
        assert body["timeout"] == 200  # the bridge would cut at 15 s without it
    assert conat[0]["args"][0] == {"command": "make all", "async_call": True}
    assert conat[0]["timeout"] > 15000


async def test_a_blocking_answer_to_a_poll_is_a_typed_error_not_a_loop(hub: ExecHub) -> None:
    hub.job_seconds = 5.0
    async with Client(KEY, base_url=hub.url) as c:
        job = await c.exec_job(PROJECT, "date >> runs.txt")
        hub.polls_as_blocking = True  # a server that takes the poll for a new command
        with pytest.raises(ExecJobPollError) as info:
            await job.wait(wait_timeout=10)
        assert info.value.result.type == "blocking"
    assert len(hub.polls()) == 1  # it stopped at the first such answer


async def test_the_deadline_is_the_callers_and_the_job_runs_on(hub: ExecHub) -> None:
    hub.job_seconds, hub.cutoff = 30.0, 0.1
    async with Client(KEY, base_url=hub.url) as c:
        job = await c.exec_job(PROJECT, "sleep 30")
        with pytest.raises(PollTimeoutError) as info:
            await job.wait(wait_timeout=0.5)
    assert info.value.last_status.status == "running"
    assert hub.starts == 1
    assert len([b for b in hub.polls() if b.get("async_await")]) >= 2


async def test_cancel_signals_the_jobs_process_group_on_the_server(hub: ExecHub) -> None:
    hub.job_seconds = 30.0
    async with Client(KEY, base_url=hub.url) as c:
        job = await c.exec_job(PROJECT, "sleep 30")
        after = await job.cancel()
        assert after.status == "error"
        with pytest.raises(ExecFailedError):
            await job.wait(wait_timeout=5)
        assert await job.cancel() == job.last  # an ended job is left alone
    pid = next(iter(hub.jobs.values())).pid
    assert hub.signals == [{"signal": 15, "pids": [-pid]}]
    assert hub.starts == 1


async def test_the_old_timeout_names_still_work_and_warn(hub: ExecHub) -> None:
    # exec_job(timeout=) was the server's limit and job.wait(timeout=) the polling deadline;
    # both keep working under their new names' meaning, with a DeprecationWarning.
    hub.job_seconds = 0.05
    async with Client(KEY, base_url=hub.url, max_retries=0) as c:
        with pytest.warns(DeprecationWarning, match="exec_timeout"):
            job = await c.exec_job(PROJECT, "make all", timeout=90)
        with pytest.warns(DeprecationWarning, match="wait_timeout"):
            result = await job.wait(timeout=10)
        assert result.status == "completed"
        assert hub.bodies[0][1]["timeout"] == 90  # still the server-side limit on the wire
        with pytest.raises(TypeError, match="exec_timeout only"):
            await c.exec_job(PROJECT, "ls", exec_timeout=5, timeout=5)
        with pytest.raises(TypeError, match="wait_timeout only"):
            await job.wait(wait_timeout=5, timeout=5)
    assert hub.starts == 1


async def test_bad_arguments_are_refused_before_anything_is_sent(hub: ExecHub) -> None:
    async with Client(KEY, base_url=hub.url) as c:
        with pytest.raises(ValueError, match="project_id"):
            await c.exec_job("not-a-uuid", "ls")
        with pytest.raises(ValueError, match="command"):
            await c.exec_job(PROJECT, "")
        with pytest.raises(ValueError, match="timeout"):
            await c.exec_job(PROJECT, "ls", exec_timeout=0)
        with pytest.raises(ValueError, match="via"):
            await c.exec_job(PROJECT, "ls", via="v1")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await c.exec_job(PROJECT, "ls", args="-l")
    assert hub.bodies == []


async def test_a_job_through_the_conat_bridge_of_the_emulator() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 0.3; echo via-conat", via="conat")
        assert (await job.status()).status == "running"
        result = await job.wait(wait_timeout=10)
        assert (result.status, result.stdout) == ("completed", "via-conat\n")
        assert emu.requests.count("v2/exec") == 0


async def test_cancel_stops_the_job_in_the_emulator() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 30; echo never", via="conat")
        for _ in range(200):  # until the server knows the job's pid
            if (await job.status()).pid is not None:
                break
            await asyncio.sleep(0.02)
        after = await job.cancel()
        for _ in range(200):
            if not after.running:
                break
            await asyncio.sleep(0.02)
            after = await job.status()
        assert after.status == "error"
        assert "never" not in after.stdout
