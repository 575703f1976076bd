"""v2 async exec jobs: start, status, wait (the hanging async_await call), errors."""

from __future__ import annotations

import asyncio

import pytest

from cocalc_async import Client
from cocalc_async.errors import ExecFailedError, PollTimeoutError
from cocalc_async.testing import Emulator


async def test_job_lifecycle_running_then_completed() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 0.4; echo done")
        assert job.job_id
        first = await job.status()
        assert first.status == "running"
        result = await job.wait(timeout=10)
        assert result.status == "completed"
        assert result.stdout == "done\n"
        assert result.exit_code == 0


async def test_error_status_raises_with_output_and_exit_code() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "echo broken >&2; exit 3")
        with pytest.raises(ExecFailedError) as info:
            await job.wait(timeout=10)
        assert "broken" in info.value.stderr
        assert info.value.exit_code == 1  # the project reports 1 for an errored job (§4.2)


async def test_err_on_exit_false_returns_the_real_exit_code() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "echo out; exit 3", err_on_exit=False)
        result = await job.wait(timeout=10)
        assert (result.status, result.exit_code, result.stdout) == ("completed", 3, "out\n")


async def test_wait_times_out_and_reconnects_after_a_dropped_call() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url, max_retries=0) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 0.6; echo late")
        with pytest.raises(PollTimeoutError) as info:
            await job.wait(timeout=0.2)
        assert info.value.last_status is not None
        emu.faults.add("v2/exec", "reset_before_body", times=1)
        result = await job.wait(timeout=10)
        assert result.stdout == "late\n"
        assert emu.requests.count("v2/exec") >= 3


async def test_cancelling_a_wait_cancels_the_hanging_call_and_leaves_the_client_usable() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        pid = emu.create_project()
        job = await c.exec_job(pid, "sleep 5; echo late")
        before = emu.requests.count("v2/exec")
        waiting = asyncio.create_task(job.wait(timeout=30))
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
