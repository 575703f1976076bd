"""Every conat project function (src/packages/conat/project/api/*.ts @5cb3315c30), called over
HTTP through ``/api/conat/project`` with positional ``args`` as a project receives them."""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any

from cocalc_async.testing import Emulator, conat

from .emulator_helpers import Raw

#: The project's API as CoCalc declares it: 28 functions.
PROJECT_API = {
    "system": ["terminate", "version", "listing", "deleteFiles", "moveFiles", "renameFile",
               "realpath", "canonicalPaths", "writeTextFileToProject", "readTextFileFromProject",
               "configuration", "ping", "test", "exec", "signal", "jupyterExecute",
               "listJupyterKernels", "stopJupyterKernel"],
    "editor": ["newFile", "jupyterStripNotebook", "jupyterNbconvert", "jupyterRunNotebook",
               "jupyterKernelLogo", "jupyterKernels", "formatterString", "printSageWS",
               "createTerminalService"],
    "sync": ["close"],
}  # fmt: skip


def test_the_project_bridge_serves_exactly_cocalcs_functions() -> None:
    names = {f"{group}.{fn}" for group, fns in PROJECT_API.items() for fn in fns}
    assert len(names) == 28
    assert set(conat.PROJECT) == names


class Project:
    def __init__(self, raw: Raw, project_id: str) -> None:
        self.raw, self.project_id = raw, project_id

    async def __call__(self, name: str, *args: Any, key: str | None = "default") -> Any:
        return await self.raw.project(name, list(args), key=key, project_id=self.project_id)


async def test_bridge_checks(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    other = emu.create_project()
    key = emu.create_project_key(pid)
    assert await raw.project("system.ping", project_id=pid, key=None) == {
        "error": "You must provide authentication via an API key."
    }
    assert await raw.project("system.ping", project_id=pid, key="sk-nope0000000000000000001") == {
        "error": "must sign in as project or account"
    }
    assert await raw.project("system.ping") == {
        "error": "must specify project_id or use project-specific api key"
    }
    assert await raw.project("system.ping", project_id=other, key=key) == {
        "error": "project specific api key must match requested project"
    }
    assert await raw.project("system.ping", project_id="bad") == {
        "error": "invalid account_id or project_id -- all must be valid uuid's"
    }
    # an admin is not a collaborator on the bridge (is-collaborator.ts has no admin case)
    _, admin = emu.create_account("A", "A", admin=True)
    assert await raw.project("system.ping", project_id=pid, key=admin) == {
        "error": "user must be a collaborator on the project"
    }
    assert await raw.project("ping", project_id=pid) == "pong"
    assert await raw.project("system.nope", project_id=pid) == {
        "error": "Error: unknown function 'system.nope'"
    }
    assert (await raw.project("system.test", key=key))["project_id"] == pid


async def test_files(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    call = Project(raw, pid)
    assert await call("system.writeTextFileToProject", {"path": "d/a.txt", "content": "A"}) is None
    assert await call("system.readTextFileFromProject", {"path": "d/a.txt"}) == "A"
    missing = await call("system.readTextFileFromProject", {"path": "nope.txt"})
    assert missing == {"error": "Error: ENOENT: no such file or directory, open 'nope.txt'"}
    assert (await call("system.readTextFileFromProject"))["error"].startswith("TypeError: ")
    listing = await call("system.listing", {"path": ""})
    assert [(e["name"], e.get("isdir"), e["size"]) for e in listing] == [("d", True, 1)]
    assert isinstance(listing[0]["mtime"], float)
    inside = await call("system.listing", {"path": "d"})
    assert [(e["name"], e["size"]) for e in inside] == [("a.txt", 1)]
    assert await call("system.renameFile", {"src": "d/a.txt", "dest": "d/b.txt"}) is None
    assert await call("system.moveFiles", {"paths": ["d/b.txt"], "dest": ""}) is None
    assert (emu.project_dir(pid) / "b.txt").read_text() == "A"
    (emu.project_dir(pid) / "d" / "b.txt").write_text("other")
    assert await call("system.moveFiles", {"paths": ["d/b.txt"], "dest": ""}) == {
        "error": "Error: dest already exists."
    }
    os.symlink("b.txt", emu.project_dir(pid) / "link")
    assert await call("system.realpath", "link") == "b.txt"
    assert await call("system.realpath", "b.txt") == "b.txt"
    assert await call("system.canonicalPaths", ["link", "d/b.txt"]) == ["b.txt", "d/b.txt"]
    linked = [e for e in await call("system.listing", {"path": ""}) if e["name"] == "link"]
    assert linked[0]["issymlink"] is True
    assert linked[0]["link_target"] == "b.txt"
    assert await call("system.deleteFiles", {"paths": ["b.txt", "never-there"]}) is None
    assert not (emu.project_dir(pid) / "b.txt").exists()
    escape = await call("system.readTextFileFromProject", {"path": "../x"})
    assert escape["error"].startswith("Error: EACCES")


async def test_exec_blocking_async_and_signal(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    call = Project(raw, pid)
    assert await call("system.exec", {"command": "echo", "args": ["x", "y"]}) == {
        "type": "blocking",
        "stdout": "x y\n",
        "stderr": "",
        "exit_code": 0,
    }
    assert await call("system.exec", {"command": "exit 5", "bash": True, "err_on_exit": False}) == {
        "type": "blocking",
        "stdout": "",
        "stderr": "",
        "exit_code": 5,
    }
    # executeCode fails with a string: the project answers it bare (no Error: prefix)
    failed = await call(
        "system.exec", {"command": "echo a; exit 3", "bash": True, "err_on_exit": True}
    )
    assert failed == {"error": "command 'echo a; exit 3' exited with nonzero code 3 -- stderr=''"}
    plain = await call("system.exec", {"command": "false", "args": [], "err_on_exit": True})
    assert plain == {"error": "command ''false' (args=)' exited with nonzero code 1 -- stderr=''"}
    killed = await call("system.exec", {"command": "sleep 5", "bash": True, "timeout": 1})
    assert re.fullmatch(r"killed command 'bash \S+'", killed["error"])
    job = await call("system.exec", {"command": "sleep 30", "bash": True, "async_call": True})
    assert list(job)[:4] == ["type", "stdout", "stderr", "exit_code"]
    assert job["type"] == "async"
    assert job["status"] == "running"
    for _ in range(50):  # the emulator learns the pid once the process has spawned
        if "pid" in job:
            break
        await asyncio.sleep(0.05)
        job = await call("system.exec", {"async_get": job["job_id"]})
    assert await call("system.signal", {"signal": 9, "pid": job["pid"]}) is None
    got: dict[str, Any] = {}
    for _ in range(50):
        got = await call("system.exec", {"async_get": job["job_id"], "async_await": True})
        if got["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert got["status"] in ("error", "completed")
    assert await call("system.signal", {"signal": 9, "pid": 1}) == {"error": "Error: kill ESRCH"}


async def test_version_configuration_jupyter_editor_sync(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    call = Project(raw, pid)
    assert await call("system.version") == 1783081032
    assert await call("system.terminate") is None
    main = await call("system.configuration", "main")
    assert sorted(main) == ["capabilities", "timestamp"]
    assert main["capabilities"]["jupyter"] is False
    assert main["capabilities"]["homeDirectory"] == str(emu.project_dir(pid))
    assert main["capabilities"]["formatting"]["prettier"] is True
    x11 = (await call("system.configuration", "x11"))["capabilities"]
    assert "emacs" in x11
    assert all(isinstance(v, bool) for v in x11.values())
    assert await call("system.configuration", "other") is None
    spawn = await call("system.jupyterExecute", {"input": "2+3", "kernel": "python3"})
    assert spawn["error"].startswith(  # recorded: prjfn-jupyterExecute
        "Error: **Unable to Spawn Jupyter Kernel:**\n\nError: No spec available for kernel"
        ' "python3".  Available specs: [] \n\n'
    )
    assert await call("system.jupyterExecute", {"input": "2+3"}) == {
        "error": "Error: cannot spawn since no kernel is set"
    }
    assert await call(
        "editor.formatterString", {"str": "x=1", "options": {"parser": "python"}}
    ) == {"error": 'Error: Formatting utility "yapf" is not installed'}
    assert await call("system.listJupyterKernels") == []
    assert await call("system.stopJupyterKernel", {"pid": 1}) == {"success": False}
    assert await call("editor.jupyterKernels") == []
    assert await call("editor.jupyterKernelLogo", "python3") == {
        "error": "Error: no such kernel 'python3'"
    }
    assert await call("editor.newFile", "n/new.md") is None
    assert (emu.project_dir(pid) / "n" / "new.md").read_text() == ""
    notebook = {"cells": [{"cell_type": "code", "outputs": [{"x": 1}], "attachments": {}}]}
    (emu.project_dir(pid) / "nb.ipynb").write_text(json.dumps(notebook))
    stripped = json.loads(await call("editor.jupyterStripNotebook", "nb.ipynb"))
    assert stripped == {"cells": [{"cell_type": "code", "outputs": []}]}
    for name in ("editor.jupyterNbconvert", "editor.jupyterRunNotebook", "editor.formatterString",
                 "editor.printSageWS", "editor.createTerminalService"):  # fmt: skip
        out = await call(name, {"path": "x"})
        assert out["error"].endswith("is not available in the CoCalc emulator"), name
    assert await call("sync.close", "a.txt") is None
