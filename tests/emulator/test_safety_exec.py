"""Exec: a command's whole process tree dies when the command ends, however it ends (time-out,
normal exit, cancellation, ``system.signal``, shutdown), including ``setsid`` grandchildren
that left its process group; and a time-out is always bounded."""

from __future__ import annotations

import asyncio
import math
import os
from pathlib import Path

import aiohttp
import pytest

from cocalc_async.testing import Emulator
from cocalc_async.testing.exec import (
    MAX_TIMEOUT_S,
    ExecInputError,
    ExecOptions,
    ProcessGroups,
    parse_timeout,
    run,
)

from .emulator_helpers import Raw, basic

#: The escape the red team used: a child in a new session, which killpg alone does not reach.
ESCAPE = "setsid sleep 1000 & echo $! > escaped.pid"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


async def _dead(pid: int) -> bool:
    for _ in range(100):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


def _escaped(home: Path) -> int:
    pid = int((home / "escaped.pid").read_text())
    assert pid > 1
    return pid


async def test_setsid_child_dies_on_timeout(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    got = await raw.v2(
        "exec", {"project_id": pid, "command": f"{ESCAPE}; sleep 30", "bash": True, "timeout": 1}
    )
    assert "killed command" in got["error"]
    assert await _dead(_escaped(emu.project_dir(pid))), "a setsid child outlived the time-out"
    assert not emu.ctx.groups.live


async def test_setsid_child_dies_on_normal_exit(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    got = await raw.v2("exec", {"project_id": pid, "command": ESCAPE, "bash": True})
    assert got["exit_code"] == 0
    assert await _dead(_escaped(emu.project_dir(pid)))


async def test_setsid_child_dies_on_shutdown(tmp_path: Path) -> None:
    emu = await Emulator().start()
    try:
        pid = emu.create_project()
        body = {
            "project_id": pid,
            "command": f"{ESCAPE}; sleep 1000",
            "bash": True,
            "async_call": True,
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{emu.url}/api/v2/exec", json=body, headers=basic(emu.api_key)) as resp,
        ):
            assert (await resp.json())["type"] == "async"
        home = emu.project_dir(pid)
        for _ in range(100):
            if (home / "escaped.pid").exists() and (home / "escaped.pid").read_text():
                break
            await asyncio.sleep(0.02)
        escaped = _escaped(home)
        assert _alive(escaped)
    finally:
        await emu.stop()
    assert await _dead(escaped), "a setsid child outlived the emulator"


async def test_setsid_child_dies_on_cancel(tmp_path: Path) -> None:
    groups = ProcessGroups()
    opts = ExecOptions(command=f"{ESCAPE}; sleep 1000", bash=True, timeout=100)
    task = asyncio.ensure_future(run(opts, tmp_path, tmp_path, groups))
    for _ in range(100):
        if (tmp_path / "escaped.pid").exists() and (tmp_path / "escaped.pid").read_text():
            break
        await asyncio.sleep(0.02)
    escaped = _escaped(tmp_path)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _dead(escaped)
    assert not groups.live


async def test_system_signal_kills_the_tree_and_only_own_processes(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    other = emu.create_project()
    job = await raw.v2(
        "exec",
        {"project_id": pid, "command": f"{ESCAPE}; sleep 1000", "bash": True, "async_call": True},
    )
    home = emu.project_dir(pid)
    for _ in range(100):
        if (home / "escaped.pid").exists() and (home / "escaped.pid").read_text():
            break
        await asyncio.sleep(0.02)
    escaped = _escaped(home)
    leader = job.get("pid")
    for _ in range(100):
        poll = {"project_id": pid, "async_get": job["job_id"], "async_stats": False}
        status = await raw.v2("exec", poll)
        leader = status.get("pid")
        if leader:
            break
        await asyncio.sleep(0.02)
    assert isinstance(leader, int)
    # another project, and the emulator's own process, are out of reach
    got = await raw.project("system.signal", [{"signal": 9, "pid": leader}], project_id=other)
    assert "ESRCH" in got["error"]
    got = await raw.project("system.signal", [{"signal": 9, "pid": os.getpid()}], project_id=pid)
    assert "ESRCH" in got["error"]
    assert _alive(escaped)
    got = await raw.project("system.signal", [{"signal": 9, "pid": leader}], project_id=pid)
    assert got is None
    assert await _dead(escaped)
    assert await _dead(leader)


@pytest.mark.parametrize("timeout", [0, -1, "0", "abc", "1e999", 1e12, True, [], {"a": 1}])
async def test_bad_timeouts_refused_before_running(
    raw: Raw, emu: Emulator, timeout: object
) -> None:
    pid = emu.create_project()
    for api in ("v2", "conat"):
        body = {"command": "touch ran.txt", "bash": True, "timeout": timeout}
        if api == "v2":
            status, got = await raw.post("/api/v2/exec", {**body, "project_id": pid})
        else:
            status, got = await raw.post(
                "/api/conat/project",
                {"name": "system.exec", "args": [body], "project_id": pid},
            )
        assert status in (200, 400), (status, got)
        assert isinstance(got, dict), got
        assert "error" in got or "message" in got, got
        assert not (emu.project_dir(pid) / "ran.txt").exists(), f"{api} ran with {timeout!r}"


async def test_bad_async_await_timeout_is_not_a_500(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    job = await raw.v2("exec", {"project_id": pid, "command": "true", "async_call": True})
    status, got = await raw.post(
        "/api/v2/exec",
        {"project_id": pid, "async_get": job["job_id"], "async_await": True, "timeout": "abc"},
    )
    assert status in (200, 400)
    assert "error" in got or "message" in got


def test_parse_timeout_bounds() -> None:
    assert parse_timeout(None, 10) == 10
    assert parse_timeout("2.5", 10) == 2.5
    assert parse_timeout(MAX_TIMEOUT_S, 10) == MAX_TIMEOUT_S
    for bad in (0, -0.0, -5, math.nan, math.inf, MAX_TIMEOUT_S + 1, "x", False, [1]):
        with pytest.raises(ExecInputError):
            parse_timeout(bad, 10)


async def test_options_built_in_code_are_bounded_too(tmp_path: Path) -> None:
    opts = ExecOptions(command="true", timeout=0)
    with pytest.raises(ExecInputError):
        await run(opts, tmp_path, tmp_path, ProcessGroups())
