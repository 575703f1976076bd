"""The conat bridge: wire format, raw results, opts-wrapped methods, key rules."""

from __future__ import annotations

import time

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw
from .emulator_helpers import field as _field

NO_KEY = "must be signed in and MUST provide an api key (cookies are not allowed)"


async def test_hub_basics(raw: Raw, emu: Emulator) -> None:
    assert "now" in await raw.hub("system.ping")
    whoami = await raw.hub("system.test")
    assert whoami["account_id"] == emu.account_id
    assert abs(whoami["server_time"] / 1000 - time.time()) < 60  # ms since the epoch, as CoCalc
    no_header = {"error": "You must provide authentication via an API key."}
    assert await raw.hub("system.ping", key=None) == no_header
    assert await raw.hub("system.ping", key="sk-nothing0000000000000001") == {"error": NO_KEY}
    assert await raw.hub("nope.nothing") == {"error": "Error: unknown function 'nope.nothing'"}


async def test_hub_projects_and_opts(raw: Raw, emu: Emulator) -> None:
    pid = await raw.hub("projects.createProject", [{"title": "conat"}])
    assert _field(emu.store.project(pid), "title") == "conat"
    other, _ = emu.create_account("Di", "D")
    opts = [{"opts": {"project_id": pid, "account_id": other}}]
    assert await raw.hub("projects.addCollaborator", opts) == {"project_id": [pid]}
    assert emu.store.is_collaborator(other, pid)
    assert await raw.hub("projects.removeCollaborator", opts) is None
    assert not emu.store.is_collaborator(other, pid)
    await raw.hub("projects.start", [{"project_id": pid}])
    assert (await raw.hub("projects.state", [{"project_id": pid}]))["state"] == "running"
    assert await raw.hub("system.getNames", [{"account_ids": [other]}]) == {
        other: {"first_name": "Di", "last_name": "D", "profile": None}
    }
    q = {"query": {"projects": {"project_id": pid, "title": None}}}
    assert await raw.hub("db.userQuery", [q]) == {"projects": {"project_id": pid, "title": "conat"}}


async def test_hub_refuses_project_keys(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    assert await raw.hub("system.ping", key=emu.create_project_key(pid)) == {"error": NO_KEY}


async def test_project_bridge(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    wrote = await raw.project(
        "system.writeTextFileToProject", [{"path": "n.txt", "content": "x"}], project_id=pid
    )
    assert wrote is None
    assert (
        await raw.project("system.readTextFileFromProject", [{"path": "n.txt"}], project_id=pid)
        == "x"
    )
    listing = await raw.project("system.listing", [{"path": ""}], project_id=pid)
    assert [f["name"] for f in listing] == ["n.txt"]
    out = await raw.project("system.exec", [{"command": "echo", "args": ["hi"]}], project_id=pid)
    assert out == {"type": "blocking", "stdout": "hi\n", "stderr": "", "exit_code": 0}
    pkey = emu.create_project_key(pid)
    assert (await raw.project("system.test", key=pkey))["project_id"] == pid
