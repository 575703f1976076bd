"""The whole conat bridge: every function CoCalc's two bridges serve, and the exact body each sends.

The table below is written from CoCalc's TypeScript at 5cb3315c30
(``src/packages/conat/hub/api/*.ts``: the ``export const <group> = {...}`` objects and the
``interface``s; ``src/packages/conat/project/api/*.ts`` likewise), not from the SDK's spec: how
the arguments travel (one object, ``{opts: {...}}``, or positional values) and which names
they have (``account_id`` is left out: the hub fills it in from the key).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Mapping
from typing import Any

import pytest

from cocalc_async._generated.conat import Conat
from cocalc_async._types import Json
from cocalc_async.errors import ResponseValidationError
from cocalc_async.models.projects import CollaboratorsAdded, ProjectStatus
from cocalc_async.spec import ENDPOINTS

UUID = "6c28c5f4-3235-46be-b025-166b4dcaac7e"
PID = "0e3f8d5e-5a4b-4c1d-9e2f-3a4b5c6d7e8f"

# name -> (args style, the parameter names in CoCalc's declaration order)
HUB: dict[str, tuple[str, list[str]]] = {
    # system.ts
    "system.getCustomize": ("positional", ["fields"]),
    "system.ping": ("object", []),
    "system.test": ("object", []),
    "system.terminate": ("positional", ["service"]),
    "system.userTracking": ("object", ["event", "value"]),
    "system.logClientError": ("object", ["event", "error"]),
    "system.webappError": (
        "object",
        [
            "name",
            "message",
            "comment",
            "stacktrace",
            "file",
            "path",
            "lineNumber",
            "columnNumber",
            "severity",
            "browser",
            "mobile",
            "responsive",
            "user_agent",
            "smc_version",
            "build_date",
            "smc_git_rev",
            "uptime",
            "start_time",
        ],
    ),
    "system.manageApiKeys": ("object", ["action", "project_id", "name", "expire", "id"]),
    "system.generateUserAuthToken": ("object", ["user_account_id", "password"]),
    "system.revokeUserAuthToken": ("positional", ["authToken"]),
    "system.userSearch": ("object", ["query", "limit", "admin", "only_email"]),
    "system.getNames": ("positional", ["account_ids"]),
    "system.adminResetPasswordLink": ("object", ["user_account_id"]),
    "system.sendEmailVerification": ("object", ["only_verify"]),
    "system.deletePassport": ("object", ["strategy", "id"]),
    "system.adminSalesloftSync": ("object", ["account_ids"]),
    "system.userSalesloftSync": ("object", []),
    # projects.ts
    "projects.createProject": (
        "object",
        [
            "title",
            "description",
            "image",
            "license",
            "public_path_id",
            "noPool",
            "start",
            "project_id",
            "ephemeral",
            "customize",
        ],
    ),
    "projects.copyPathBetweenProjects": (
        "object",
        [
            "src_project_id",
            "src_path",
            "target_project_id",
            "target_path",
            "overwrite_newer",
            "delete_missing",
            "backup",
            "timeout",
            "bwlimit",
            "scheduled",
            "public",
            "exclude",
        ],
    ),
    "projects.removeCollaborator": ("opts", ["account_id", "project_id"]),
    "projects.addCollaborator": ("opts", ["project_id", "account_id", "token_id"]),
    "projects.inviteCollaborator": (
        "opts",
        [
            "project_id",
            "account_id",
            "title",
            "link2proj",
            "replyto",
            "replyto_name",
            "email",
            "subject",
        ],
    ),
    "projects.inviteCollaboratorWithoutAccount": (
        "opts",
        ["project_id", "title", "link2proj", "replyto", "replyto_name", "to", "email", "subject"],
    ),
    "projects.changeUserType": ("opts", ["project_id", "target_account_id", "new_group"]),
    "projects.setQuotas": (
        "object",
        [
            "project_id",
            "memory",
            "memory_request",
            "cpu_shares",
            "cores",
            "disk_quota",
            "mintime",
            "network",
            "member_host",
            "always_running",
        ],
    ),
    "projects.start": ("object", ["project_id"]),
    "projects.stop": ("object", ["project_id"]),
    "projects.deleteProject": ("object", ["project_id"]),
    "projects.touch": ("object", ["project_id"]),
    "projects.state": ("object", ["project_id"]),
    "projects.status": ("object", ["project_id"]),
    # db.ts
    "db.userQuery": ("object", ["query", "options"]),
    "db.touch": ("object", ["project_id", "path", "action"]),
    "db.getLegacyTimeTravelInfo": ("object", ["project_id", "path"]),
    "db.getLegacyTimeTravelPatches": ("object", ["uuid", "timeout"]),
    "db.fileUseTimes": (
        "object",
        [
            "project_id",
            "path",
            "target_account_id",
            "limit",
            "access_times",
            "edit_times",
            "timeout",
        ],
    ),
    "db.removeBlobTtls": ("object", ["uuids"]),
    # purchases.ts
    "purchases.getBalance": ("object", []),
    "purchases.getMinBalance": ("object", []),
    # jupyter.ts
    "jupyter.kernels": ("object", ["project_id"]),
    "jupyter.execute": (
        "object",
        ["input", "kernel", "history", "hash", "tag", "project_id", "path"],
    ),
    # sync.ts
    "sync.history": ("object", ["project_id", "path"]),
    # org.ts
    "org.getAll": ("object", []),
    "org.create": ("object", ["name"]),
    "org.get": ("object", ["name"]),
    "org.set": ("object", ["name", "title", "description", "link", "email_address"]),
    "org.addAdmin": ("object", ["name", "user"]),
    "org.addUser": ("object", ["name", "user"]),
    "org.createUser": ("object", ["name", "email", "firstName", "lastName", "password"]),
    "org.createToken": ("object", ["user"]),
    "org.expireToken": ("object", ["token"]),
    "org.getUsers": ("object", ["name"]),
    "org.message": ("object", ["name", "subject", "body"]),
    "org.removeUser": ("object", ["name", "user"]),
    "org.removeAdmin": ("object", ["name", "user"]),
    # messages.ts (messages.get takes ApiMessagesGet, util/db-schema/messages.ts)
    "messages.send": ("object", ["to_ids", "subject", "body", "reply_id"]),
    "messages.get": ("object", ["limit", "offset", "type", "cutoff"]),
}

PROJECT: dict[str, tuple[str, list[str]]] = {
    # system.ts
    "system.terminate": ("object", []),
    "system.version": ("object", []),
    "system.listing": ("object", ["path", "hidden"]),
    "system.deleteFiles": ("object", ["paths"]),
    "system.moveFiles": ("object", ["paths", "dest"]),
    "system.renameFile": ("object", ["src", "dest"]),
    "system.realpath": ("positional", ["path"]),
    "system.canonicalPaths": ("positional", ["paths"]),
    "system.writeTextFileToProject": ("object", ["path", "content"]),
    "system.readTextFileFromProject": ("object", ["path"]),
    "system.configuration": ("positional", ["aspect", "no_cache"]),
    "system.ping": ("object", []),
    "system.test": ("object", []),
    # ExecuteCodeOptions / ExecuteCodeOptionsAsyncGet (util/types/execute-code.ts)
    "system.exec": (
        "object",
        [
            "command",
            "args",
            "path",
            "cwd",
            "timeout",
            "ulimit_timeout",
            "err_on_exit",
            "max_output",
            "bash",
            "env",
            "aggregate",
            "async_call",
            "compute_server_id",
            "async_get",
            "async_stats",
            "async_await",
        ],
    ),
    "system.signal": ("object", ["signal", "pids", "pid"]),
    # ProjectJupyterApiOptions (util/jupyter/api-types.ts); timeout sets the RPC's only
    "system.jupyterExecute": (
        "object",
        ["hash", "kernel", "input", "history", "path", "pool", "limits", "timeout"],
    ),
    "system.listJupyterKernels": ("object", []),
    "system.stopJupyterKernel": ("object", ["pid"]),
    # editor.ts
    "editor.newFile": ("positional", ["path"]),
    "editor.jupyterStripNotebook": ("positional", ["path_ipynb"]),
    "editor.jupyterNbconvert": ("object", ["args", "directory", "timeout"]),
    "editor.jupyterRunNotebook": ("object", ["path", "ipynb", "nbgrader", "limits"]),
    "editor.jupyterKernelLogo": ("positional", ["kernel_name", "opts"]),
    "editor.jupyterKernels": ("object", ["noCache"]),
    "editor.formatterString": ("object", ["str", "options", "path"]),
    "editor.printSageWS": ("object", ["path", "options"]),
    "editor.createTerminalService": ("positional", ["term_path", "opts"]),
    # sync.ts
    "sync.close": ("positional", ["path"]),
}


def test_the_sdk_has_every_function_the_bridges_serve_and_no_other() -> None:
    assert len(HUB) == 57
    assert len(PROJECT) == 28
    hub = {e.path for e in ENDPOINTS if e.api == "conat/hub"}
    project = {e.path for e in ENDPOINTS if e.api == "conat/project"}
    assert hub == set(HUB)
    assert project == set(PROJECT)


class Recorder:
    def __init__(self, answer: Json = None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any], float | None]] = []

    async def call(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json:
        self.calls.append((api, path, dict(params or {}), request_timeout))
        return self.answer


def _method(root: Conat, api: str, name: str) -> Any:
    group, fn = name.split(".")
    side = root.hub if api == "conat/hub" else root.project
    return getattr(getattr(side, group), re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", fn).lower())


def _sample(name: str, annotation: str) -> Any:
    """A valid value for a keyword, from its annotation (distinct per name, so order shows)."""
    if "Literal[" in annotation:
        return annotation.split("Literal[", 1)[1].split(",")[0].strip("\"'] ")
    if annotation.startswith("bool"):
        return True
    if annotation.startswith(("float", "int")):
        return 7
    if name.endswith("_ids"):
        return [UUID]
    if name.endswith("_id") and name != "token_id":
        return UUID
    if annotation.startswith(("str | Sequence", "Sequence")):
        return [f"{name}-1"]
    if annotation.startswith("str"):
        return f"{name}-value"
    if annotation.startswith("Mapping"):
        return {"k": name}
    return {"any": name}


CASES = [("conat/hub", n, *v) for n, v in HUB.items()] + [
    ("conat/project", n, *v) for n, v in PROJECT.items()
]


@pytest.mark.parametrize(
    ("api", "name", "style", "names"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
async def test_each_function_sends_exactly_cocalcs_arguments(
    api: str, name: str, style: str, names: list[str]
) -> None:
    rec = Recorder()
    fn = _method(Conat(rec), api, name)
    sig = inspect.signature(fn)
    keywords = [
        n
        for n, p in sig.parameters.items()
        if p.kind is p.KEYWORD_ONLY
        and n not in ("rpc_timeout", "request_timeout", "max_retries", "wait", "wait_timeout")
    ]
    # A parameter with its own Python name (exec_timeout, sent as timeout) counts under its wire
    # name; its deprecated old name is an alias, not a second parameter.
    endpoint = next(e for e in ENDPOINTS if e.key == (api, name))
    wire = {p.py_name: p.name for p in endpoint.params if p.py_name}
    keywords = [n for n in keywords if n not in {p.deprecated_name for p in endpoint.params}]
    # The SDK's keywords are CoCalc's names, none missing and none invented.
    assert sorted(wire.get(n, n) for n in keywords) == sorted(names)
    given = {n: _sample(n, str(sig.parameters[n].annotation)) for n in keywords}
    kwargs = {wire.get(n, n): v for n, v in given.items()}
    args = [PID] if api == "conat/project" else []
    with contextlib.suppress(ResponseValidationError):  # a canned null fits no model
        await fn(*args, **given)
    assert len(rec.calls) == 1
    got_api, got_name, body, _timeout = rec.calls[0]
    assert (got_api, got_name) == (api, name)
    if style == "positional":
        expected: list[Json] = [kwargs[n] for n in names]
    elif style == "opts":
        expected = [{"opts": {n: kwargs[n] for n in names}}]
    elif names:
        expected = [{n: kwargs[n] for n in names}]
    else:
        expected = []  # no arguments at all, as CoCalc's own client sends them
    assert body["args"] == expected
    assert body.get("project_id") == (PID if api == "conat/project" else None)
    assert set(body) <= {"args", "timeout", "project_id"}


async def test_optional_positional_arguments_are_left_off_the_end() -> None:
    rec = Recorder()
    await Conat(rec).project.system.configuration(PID, aspect="main")
    await Conat(rec).hub.system.get_customize()
    logo = Recorder({"filename": "logo-64x64.png", "base64": "iVBO"})
    got = await Conat(logo).project.editor.jupyter_kernel_logo(PID, kernel_name="python3")
    assert (got.filename, got.base64) == ("logo-64x64.png", "iVBO")
    assert [c[2]["args"] for c in rec.calls + logo.calls] == [["main"], [], ["python3"]]


async def test_project_exec_polls_an_async_job_in_cocalcs_own_form() -> None:
    rec = Recorder({"stdout": "", "stderr": "", "exit_code": 0, "type": "async", "job_id": "j"})
    project = Conat(rec).project
    await project.system.exec(PID, command="sleep 100", async_call=True, err_on_exit=False)
    await project.system.exec(
        PID, async_get="j", async_await=True, async_stats=False, exec_timeout=50
    )
    first, poll = rec.calls[0][2], rec.calls[1][2]
    assert first["args"] == [{"command": "sleep 100", "err_on_exit": False, "async_call": True}]
    assert poll["args"] == [
        {"timeout": 50, "async_get": "j", "async_stats": False, "async_await": True}
    ]
    assert poll["timeout"] == 50_000  # the bridge waits as long as the poll may take
    assert rec.calls[1][3] == 80.0  # and the HTTP request longer still


async def test_jupyter_execute_in_a_project_requires_kernel() -> None:
    rec = Recorder([])
    with pytest.raises(TypeError):
        await Conat(rec).project.system.jupyter_execute(PID, input="1+1")  # type: ignore[call-arg]
    await Conat(rec).project.system.jupyter_execute(PID, input="1+1", kernel="python3")
    assert rec.calls[0][2]["args"] == [{"kernel": "python3", "input": "1+1"}]
    # The hub's jupyter.execute can fetch by hash alone: kernel is optional there.
    await Conat(rec).hub.jupyter.execute(hash="abc")
    assert rec.calls[1][2]["args"] == [{"hash": "abc"}]


async def test_add_collaborator_returns_the_projects_joined() -> None:
    rec = Recorder({"project_id": [PID]})
    out = await Conat(rec).hub.projects.add_collaborator(project_id=PID, account_id=UUID)
    assert out == CollaboratorsAdded(project_id=[PID])
    one = await Conat(Recorder({"project_id": PID})).hub.projects.add_collaborator(
        token_id="tok", account_id=UUID
    )
    assert one.project_id == [PID]
    none = await Conat(Recorder({})).hub.projects.add_collaborator(token_id="t", account_id=UUID)
    assert none.project_id == []


async def test_project_status_reads_cocalcs_dotted_keys() -> None:
    # As recorded from a real hub (hub-status).
    answer: Json = {
        "project.pid": 14546,
        "hub-server.port": 41263,
        "browser-server.port": 44255,
        "start_ts": 1796303489739,
        "session_id": "9ea922f2-a875-4f32-906a-685de2083875",
    }
    status = await Conat(Recorder(answer)).hub.projects.status(project_id=PID)
    assert isinstance(status, ProjectStatus)
    assert status.project_pid == 14546
    assert status.hub_server_port == 41263
    assert status.browser_server_port == 44255
    assert status.start_ts == 1796303489739
    assert status.memory is None


async def test_copy_between_projects_outlasts_the_bridge_default() -> None:
    rec = Recorder()
    hub = Conat(rec).hub
    await hub.projects.copy_path_between_projects(src_project_id=PID, src_path="a")
    assert "timeout" not in rec.calls[0][2]
    assert rec.calls[0][3] == 300.0
    await hub.projects.copy_path_between_projects(src_project_id=PID, src_path="a", timeout=600)
    assert rec.calls[1][2]["timeout"] == 600_000
    assert rec.calls[1][2]["args"] == [{"src_project_id": PID, "src_path": "a", "timeout": 600}]


async def test_listing_entries_keep_cocalcs_symlink_and_error_fields() -> None:
    from cocalc_async.models.files import DirectoryEntry

    answer: Json = [
        {"name": "conat.txt", "mtime": 1796303956.804, "size": 2},  # as recorded (prj-listing)
        {"name": "l", "issymlink": True, "link_target": "conat.txt", "size": 9},
        {"name": "bad", "error": "EACCES"},
    ]
    out = await Conat(Recorder(answer)).project.system.listing(PID, path="rec")
    assert out == [
        DirectoryEntry(name="conat.txt", size=2, mtime=1796303956.804),
        DirectoryEntry(name="l", size=9, issymlink=True, link_target="conat.txt"),
        DirectoryEntry(name="bad", error="EACCES"),
    ]


async def test_admin_search_hits_say_banned() -> None:
    hits = await Conat(Recorder([{"account_id": UUID, "banned": True}])).hub.system.user_search(
        query="x", admin=True
    )
    assert hits[0].banned is True


async def test_the_generic_project_call_can_target_a_compute_server() -> None:
    rec = Recorder({"now": 1})
    await Conat(rec).project.call(PID, "system.ping", compute_server_id=3, timeout=5)
    assert rec.calls[0][2] == {
        "args": [],
        "timeout": 5000,
        "project_id": PID,
        "compute_server_id": 3,
    }
    with pytest.raises(TypeError, match="compute_server_id must be an int"):
        await Conat(rec).project.call(PID, "system.ping", compute_server_id="3")  # type: ignore[arg-type]
    assert len(rec.calls) == 1
