"""Exec: real subprocesses, timeouts that kill the whole group, output limits, async jobs."""

from __future__ import annotations

import asyncio
import os

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


async def test_seed_examples(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    (emu.project_dir(pid) / "Private").mkdir()
    _, body = await raw.v1("project_exec", {"project_id": pid, "command": "pwd", "path": "Private"})
    assert body["stdout"] == f"{emu.project_dir(pid)}/Private\n"
    _, body = await raw.v1(
        "project_exec", {"project_id": pid, "command": "echo", "args": ["xyz", "abc"]}
    )
    assert (body["stdout"], body["exit_code"]) == ("xyz abc\n", 0)
    _, body = await raw.v1(
        "project_exec",
        {"project_id": pid, "command": "echo", "args": ["xyz", "abc"], "max_output": 3},
    )
    assert body["stdout"] == "xyz (truncated at 3 characters)"


async def test_timeout_kills_children(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    cmd = "sleep 30 & echo $! > child.pid; sleep 30"
    _, body = await raw.v1("project_exec", {"project_id": pid, "command": cmd, "timeout": 0.5})
    assert body["event"] == "error"
    assert body["error"].startswith(
        "Error executing command '" + cmd + "' with args '' -- killed command 'bash "
    )
    child = int((emu.project_dir(pid) / "child.pid").read_text())
    for _ in range(50):
        if not _alive(child):
            break
        await asyncio.sleep(0.02)
    assert not _alive(child), "the backgrounded child outlived the timeout"
    assert emu.ctx.groups.live == set()


async def test_err_on_exit(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    args = {"project_id": pid, "command": "sh", "args": ["-c", "echo oops >&2; exit 3"]}
    _, body = await raw.v1("project_exec", args)
    assert "exited with nonzero code 3 -- stderr='oops\n'" in body["error"]
    _, body = await raw.v1("project_exec", {**args, "err_on_exit": False})
    assert (body["stderr"], body["exit_code"]) == ("oops\n", 3)
    got = await raw.v2("exec", {**args, "err_on_exit": False})
    assert got == {"type": "blocking", "stdout": "", "stderr": "oops\n", "exit_code": 3}
    timed = await raw.v2(
        "exec", {"project_id": pid, "command": "sleep 5", "timeout": 0.3, "err_on_exit": False}
    )
    assert timed["exit_code"] == 1, "a timeout without err_on_exit is output, not an error"


async def test_bash_mode_and_missing_command(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    got = await raw.v2(
        "exec", {"project_id": pid, "command": "echo", "args": ["a b", "$HOME"], "bash": True}
    )
    assert got["stdout"] == "a b $HOME\n", "args are shell-escaped in bash mode"
    got = await raw.v2("exec", {"project_id": pid, "command": "no-such-command-xyz"})
    assert "ENOENT" in got["error"]


async def test_async_jobs(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    started = await raw.v2(
        "exec", {"project_id": pid, "command": "sleep 0.4; echo done", "async_call": True}
    )
    assert started["type"] == "async"
    assert started["status"] == "running"
    job = started["job_id"]
    now = await raw.v2("exec", {"project_id": pid, "async_get": job, "async_stats": False})
    assert now["status"] == "running"
    final = await raw.v2(
        "exec", {"project_id": pid, "async_get": job, "async_await": True, "async_stats": True}
    )
    assert (final["status"], final["stdout"], final["exit_code"]) == ("completed", "done\n", 0)
    # CoCalc adds "stats" at the monitor's first sample (execute-code.ts:399)
    assert isinstance(final.get("stats", []), list)
    assert final["elapsed_s"] >= 0.3
    failed = await raw.v2("exec", {"project_id": pid, "command": "false", "async_call": True})
    got = await raw.v2(
        "exec",
        {
            "project_id": pid,
            "async_get": failed["job_id"],
            "async_await": True,
            "async_stats": False,
        },
    )
    assert (got["status"], got["exit_code"]) == ("error", 1)
    missing = await raw.v2("exec", {"project_id": pid, "async_get": "nope", "async_stats": False})
    # the v2 route wraps the project's error (project/exec_shell_code.ts:34)
    assert missing == {
        "error": "Error executing command 'undefined' with args 'undefined' --"
        " Error: Async operation 'nope' does not exist."
    }


async def test_stop_kills_running_jobs(emu: Emulator, raw: Raw) -> None:
    pid = emu.create_project()
    await raw.v2("exec", {"project_id": pid, "command": "sleep 30", "async_call": True})
    await asyncio.sleep(0.1)
    live = set(emu.ctx.groups.live)
    assert live
    await emu.ctx.jobs.close()
    emu.ctx.groups.kill_all()
    await asyncio.sleep(0.05)
    assert not any(_alive(p) for p in live)
