"""Texts and shapes of today's hub that the emulator copies, quirks included."""

from __future__ import annotations

from typing import Any

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw


async def _job(raw: Raw, pid: str, **opts: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    started = await raw.v2("exec", {"project_id": pid, "async_call": True, **opts})
    poll = {"project_id": pid, "async_get": started["job_id"], "async_await": True,
            "async_stats": False}  # fmt: skip
    return started, await raw.v2("exec", poll)


async def test_a_failed_job_with_empty_stderr_reads_no_result(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    started, done = await _job(raw, pid, command="exit 4", bash=True)
    # the first answer describes the spawned job: pid, no elapsed_s, running
    assert started["status"] == "running"
    assert "pid" in started
    assert "elapsed_s" not in started
    assert (done["status"], done["exit_code"], done["stderr"]) == ("error", 1, "No result")
    assert done["elapsed_s"] >= 0


async def test_a_failed_job_keeps_its_stderr(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    _, done = await _job(raw, pid, command="echo err >&2; exit 1", bash=True)
    assert (done["status"], done["stderr"]) == ("error", "err\n")


async def test_an_unspawnable_job_keeps_nodes_error_object(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    started, done = await _job(raw, pid, command="no-such-command-xyz")
    assert "pid" not in started
    assert done["stderr"] == (
        '{"errno":-2,"code":"ENOENT","syscall":"spawn no-such-command-xyz",'
        '"path":"no-such-command-xyz","spawnargs":[]}'
    )


async def test_exec_failure_names_missing_args_undefined(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    out = await raw.v2("exec", {"project_id": pid, "command": "exit 3", "bash": True})
    assert out["error"].startswith("Error executing command 'exit 3' with args 'undefined' -- ")
    out = await raw.v2("exec", {"project_id": pid, "command": "false", "args": []})
    assert out["error"].startswith("Error executing command 'false' with args '' -- ")


async def test_anonymous_user_queries(raw: Raw) -> None:
    get = {"query": {"accounts": {"account_id": None, "first_name": None}}}
    assert await raw.v2("user-query", get, key=None) == {
        "error": "FATAL: anonymous get queries not allowed for table 'accounts'"
    }
    put = {"query": {"accounts": {"first_name": "X"}}}
    assert await raw.v2("user-query", put, key=None) == {"error": "FATAL: no anonymous set queries"}
    assert await raw.v2("user-query", {"query": "x"}) == {
        "error": "FATAL: invalid user_query of '0' -- query must be an object"
    }


async def test_collaborators_come_in_account_id_order(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    for name in ("B", "C", "D"):
        emu.add_collaborator(pid, emu.create_account(name, name)[0])
    ids = [
        c["account_id"] for c in await raw.v2("projects/collaborators/list", {"project_id": pid})
    ]
    assert ids == sorted(ids)
    assert len(ids) == 4


async def test_a_stranger_lists_no_collaborators(raw: Raw, emu: Emulator) -> None:
    # lib/share/get-collaborators.ts filters on the caller's membership: [] rather than an error
    pid = emu.create_project()
    _, stranger = emu.create_account("S", "S")
    assert await raw.v2("projects/collaborators/list", {"project_id": pid}, key=stranger) == []
    assert len(await raw.v2("projects/collaborators/list", {"project_id": pid})) == 1
