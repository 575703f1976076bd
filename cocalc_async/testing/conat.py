"""The conat RPC bridge: ``/api/conat/hub`` and ``/api/conat/project``
(src/packages/next/pages/api/conat/{hub,project}.ts @5cb3315c30).

Body ``{"name": "group.fn", "args": [...], "timeout": ms}``; the result goes back raw and errors
as HTTP 200 ``{"error": ...}``. The hub takes account keys only; the project bridge also takes a
key of that very project, and then ``project_id`` may be left out. The functions live in
``conat_system``, ``conat_projects``, ``conat_db``, ``conat_org`` (hub) and ``conat_project``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import weakref
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import dispatch
from ._util import now_ms
from .accounts import is_member
from .auth import AuthHeaderError, Principal
from .conat_registry import HUB, PROJECT, PROJECT_RAW_ARGS, RAW_ARGS, BareError, HubFn, hub
from .context import Context
from .copy_api import start_copy
from .files import FileError
from .replies import HandlerError, Reply, compact
from .v2_routes import principal_of

__all__ = [
    "HUB",
    "PROJECT",
    "PROJECT_RAW_ARGS",
    "RAW_ARGS",
    "BareError",
    "HubFn",
    "hub",
    "project_fn",
    "register",
]

NO_KEY = "must be signed in and MUST provide an api key (cookies are not allowed)"
#: Methods marked ``opts`` take ``args=[{"opts": {...}}]``.
OPTS_METHODS = frozenset(
    {
        "projects.addCollaborator",
        "projects.removeCollaborator",
        "projects.inviteCollaborator",
        "projects.inviteCollaboratorWithoutAccount",
        "projects.changeUserType",
    }
)


#: Methods whose RPC takes positional values (conat/hub/api/system.ts: ``getNames(account_ids)``).
POSITIONAL = {"system.getNames": ("account_ids",)}
#: The bridges' request timeout when the body has none (src/packages/server/api/hub-bridge.ts:5
#: and project-bridge.ts:8 @5cb3315c30). The function keeps running after the bridge gives up.
DEFAULT_TIMEOUT_MS = 15000
#: Calls the bridge gave up on, per emulator: cancelled when it shuts down.
_RUNNING: weakref.WeakKeyDictionary[Context, set[asyncio.Task[Any]]] = weakref.WeakKeyDictionary()


#: How the hub prepares each function's args (src/packages/conat/hub/api/*.ts @5cb3315c30):
#: these two leave them alone or only require an account; all others are ``authFirst``, which
#: writes ``account_id`` into the first argument.
NO_AUTH = frozenset({"system.getCustomize", "system.ping", "system.revokeUserAuthToken"})
REQUIRE_ACCOUNT = frozenset({"system.getNames", "db.removeBlobTtls"})


def check_hub_args(name: str, args: Any) -> None:
    """The TypeErrors Node raises while preparing ``args``: ``f(...args)`` of an object, and
    authFirst's ``args[0].account_id = …`` on a string, number or boolean."""
    if isinstance(args, dict):
        raise HandlerError(
            "TypeError: Spread syntax requires ...iterable[Symbol.iterator] to be a function"
        )
    if name in NO_AUTH or name in REQUIRE_ACCOUNT or name == "system.terminate":
        return
    first = args[0] if isinstance(args, list) and args else None
    if isinstance(first, (str, int, float)):  # bool is an int
        kind = (
            "boolean"
            if isinstance(first, bool)
            else "string"
            if isinstance(first, str)
            else "number"
        )
        shown = json.dumps(first) if kind != "string" else first
        if isinstance(first, float) and first.is_integer():
            shown = str(int(first))
        raise HandlerError(f"TypeError: Cannot create property 'account_id' on {kind} '{shown}'")


def args_of(name: str, args: Any, raw: set[str]) -> dict[str, Any]:
    if name in raw:
        return {"args": args if isinstance(args, list) else []}
    return first_arg(name, args)


def _finished(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a call nobody waits for any more may fail quietly


async def call_with_timeout(
    ctx: Context, body: dict[str, Any], subject: str, name: str, call: Any
) -> Any:
    """Await ``call`` (a coroutine) for at most the body's ``timeout`` ms; past it, the bridge's
    error ``timeout - callHub: subject=…, name=…, code='408' ``, while the call runs on."""
    timeout = body.get("timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        timeout = DEFAULT_TIMEOUT_MS
    task = asyncio.ensure_future(call)
    running = _RUNNING.setdefault(ctx, set())
    running.add(task)
    task.add_done_callback(running.discard)
    task.add_done_callback(_finished)
    try:
        return await asyncio.wait_for(asyncio.shield(task), float(timeout) / 1000)
    except asyncio.TimeoutError:
        text = f"timeout - callHub: subject='{subject}', name='{name}', code='408' "
        raise BareError(text) from None


def first_arg(name: str, args: Any) -> dict[str, Any]:
    if name in POSITIONAL and isinstance(args, list) and args and not isinstance(args[0], dict):
        return dict(zip(POSITIONAL[name], args, strict=False))
    arg = args[0] if isinstance(args, list) and args else {}
    if not isinstance(arg, dict):
        return {}
    if name in OPTS_METHODS:
        opts = arg.get("opts")
        # the function reads opts.<field>: without opts that is the hub's TypeError
        return opts if isinstance(opts, dict) else {"__missing_opts__": True}
    return arg


_JS_ERROR = re.compile(r"^[A-Z][A-Za-z]*Error: ")


def js_error_text(error: Any) -> Any:
    """The hub answers a thrown error with ``${err}``: ``Error: <message>``, or the class
    name for other errors (``TypeError: …``, ``OwnershipError: …``)."""
    if isinstance(error, str) and not _JS_ERROR.match(error):
        return f"Error: {error}"
    return error


@hub("system.ping")
async def ping(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    return {"now": now_ms()}


@hub("system.test")
async def test(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    return {"account_id": who.account_id, "server_time": now_ms()}


@hub("projects.createProject")
async def create_project(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    pid = ctx.store.create_project(
        who.account_id, str(a.get("title") or ""), str(a.get("description") or "")
    )
    ctx.files.home(pid)
    if a.get("start"):
        ctx.store.update_project(pid, state="running")
    return pid


def _source_exists(ctx: Context, project_id: str, path: str) -> None:
    """The single-user hub stats the source first (recorded:
    hubfn-projects-copy-nonexistent-src); a refused path gets the copy's own error."""
    try:
        missing = not os.path.lexists(ctx.files.resolve(project_id, path, "stat"))
    except FileError:
        return
    if missing:
        full = os.path.join(str(ctx.files.home(project_id)), path)
        raise HandlerError(f"ENOENT: no such file or directory, stat '{full}'")


@hub("projects.copyPathBetweenProjects")
async def copy_between(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    # CoCalc's UserCopyOptions (and the official client) send flat fields; a later branch of
    # CoCalc nests them as {src, dest, options}, which is accepted too.
    src, dest = a.get("src"), a.get("dest")
    if isinstance(src, dict) and isinstance(dest, dict):
        params = {**(a.get("options") or {}), "src_project_id": src.get("project_id"),
                  "src_path": src.get("path"), "target_project_id": dest.get("project_id"),
                  "target_path": dest.get("path")}  # fmt: skip
    else:
        params = {k: v for k, v in a.items() if k != "account_id"}
    # the hub's own checks come first (src/packages/server/conat/api/projects.ts:12-34)
    src_id, target_id = params.get("src_project_id"), params.get("target_project_id")
    if not is_member(ctx, who.account_id, src_id):
        raise HandlerError("user must be collaborator on source project")
    if target_id and target_id != src_id and not is_member(ctx, who.account_id, target_id):
        raise HandlerError("user must be collaborator on target project")
    if params.get("target_path") is None:
        params["target_path"] = params.get("src_path")
    _source_exists(ctx, str(src_id), str(params.get("src_path") or ""))
    copy_id = start_copy(ctx, who, params)
    await ctx.copies.wait(copy_id)
    row = ctx.store.copy_row(copy_id)
    if row is not None and row["error"]:
        raise HandlerError(row["error"])
    return None


# -- the project bridge: its functions are in conat_project ----------------------------------------


def project_fn(name: str) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        PROJECT[name] = fn
        return fn

    return register


@project_fn("system.signal")
async def p_signal(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``signal({signal, pid?, pids?})`` (src/packages/project/conat/api/system.ts:89
    @5cb3315c30): like ``process.kill`` per pid, the last failure thrown. The emulator lets a
    project signal only its own commands' processes (any other pid is ``kill ESRCH``), and a
    SIGKILL/SIGTERM to a command takes its whole process tree."""
    sig, one, many = a.get("signal"), a.get("pid"), a.get("pids")
    if not isinstance(sig, int) or isinstance(sig, bool) or not 0 <= sig <= 64:
        raise HandlerError(f'The value of "signal" is out of range. Received {sig!r}')
    targets = ([one] if one is not None else []) + (many if isinstance(many, list) else [])
    error: str | None = None
    for target in targets:
        try:
            if not isinstance(target, int) or isinstance(target, bool):
                raise ProcessLookupError(target)
            ctx.groups.signal(pid, target, sig)
        except (ProcessLookupError, PermissionError):
            error = "kill ESRCH"
    if error is not None:
        raise HandlerError(error)
    return None


#: ``getApiKey`` without an ``Authorization`` header (src/packages/server/auth/api.ts:8
#: @5cb3315c30); both bridges answer it before anything else.
NO_HEADER = "You must provide authentication via an API key."
#: The project bridge's own text for a key that resolves to nothing
#: (src/packages/next/pages/api/conat/project.ts:30 @5cb3315c30).
NO_PRINCIPAL = "must sign in as project or account"


def _key_error(key: str | AuthHeaderError | None) -> str | None:
    if key is None:
        return NO_HEADER
    if isinstance(key, AuthHeaderError):
        return str(key)
    return None


async def run_hub(ctx: Context, body: dict[str, Any], key: str | AuthHeaderError | None) -> Reply:
    bad = _key_error(key)
    if bad is not None:
        return compact({"error": bad})
    who = principal_of(ctx, key)
    if who is None or who.project_id is not None:
        return compact({"error": NO_KEY})
    name = body.get("name")
    fn = HUB.get(str(name))
    subject = f"hub.account.{who.account_id}.api"
    try:
        if fn is None:
            raise HandlerError(f"unknown function '{name}'")
        check_hub_args(str(name), body.get("args"))
        call = fn(ctx, who, args_of(str(name), body.get("args"), RAW_ARGS))
        return compact(await call_with_timeout(ctx, body, subject, str(name), call))
    except BareError as err:
        return compact({"error": err.error})
    except HandlerError as err:
        return compact({"error": js_error_text(err.error)})


async def run_project(
    ctx: Context, body: dict[str, Any], key: str | AuthHeaderError | None
) -> Reply:
    """src/packages/next/pages/api/conat/project.ts:26-64 @5cb3315c30: these checks answer
    with the bare message; errors of the function itself come back as ``${err}``."""
    bad = _key_error(key)
    if bad is not None:
        return compact({"error": bad})
    who = principal_of(ctx, key)
    if who is None:
        return compact({"error": NO_PRINCIPAL})
    project_id = body.get("project_id")
    if project_id is None:
        project_id = who.project_id
    if not project_id:
        return compact({"error": "must specify project_id or use project-specific api key"})
    if who.project_id is not None:
        if who.project_id != project_id:
            return compact({"error": "project specific api key must match requested project"})
    else:
        try:
            member = is_member(ctx, who.account_id, project_id)
        except HandlerError as err:
            return compact({"error": err.error})
        if not member:
            return compact({"error": "user must be a collaborator on the project"})
    pid = str(project_id)
    if ctx.store.project(pid) is None:
        return compact({"error": f"no project with id {pid}"})
    # project.touch(account_id) before the call (project-bridge.ts:62-65): the account and the
    # project count as active, and the project is started (control/base.ts:76-96)
    ctx.store.update_project(pid, state="running")
    ctx.store.touch_project(pid)
    if who.project_id is None:
        ctx.store.touch_account(who.account_id)
    name = body.get("name")
    if name == "ping":
        return compact("pong")  # answered before any lookup (project/conat/api/index.ts)
    fn = PROJECT.get(str(name))
    subject = f"project.{pid}.0.api.-"
    try:
        if fn is None:
            raise HandlerError(f"unknown function '{name}'")
        call = fn(ctx, who, pid, args_of(str(name), body.get("args"), PROJECT_RAW_ARGS))
        return compact(await call_with_timeout(ctx, body, subject, str(name), call))
    except BareError as err:
        return compact({"error": err.error})
    except HandlerError as err:
        return compact({"error": js_error_text(err.error)})


def register(app: web.Application, ctx: Context) -> None:
    limit = ctx.settings.v2_body_limit

    async def cancel_running(_: web.Application) -> None:
        for task in list(_RUNNING.get(ctx, ())):
            task.cancel()

    app.on_shutdown.append(cancel_running)

    async def handle_hub(request: web.Request) -> web.StreamResponse:
        async def run(params: dict[str, Any], key: str | AuthHeaderError | None) -> Reply:
            return await run_hub(ctx, params, key)

        return await dispatch.serve(ctx, request, "conat", "conat/hub", limit, run)

    async def handle_project(request: web.Request) -> web.StreamResponse:
        async def run(params: dict[str, Any], key: str | AuthHeaderError | None) -> Reply:
            return await run_project(ctx, params, key)

        return await dispatch.serve(ctx, request, "conat", "conat/project", limit, run)

    app.router.add_post("/api/conat/hub", handle_hub)
    app.router.add_post("/api/conat/project", handle_project)


# The function modules register themselves in conat_registry's tables; importing them here makes
# HUB/PROJECT complete as soon as this module is imported.
from . import conat_db, conat_org, conat_project, conat_projects, conat_system  # noqa: E402,F401
