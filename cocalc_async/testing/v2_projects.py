"""v2 ``projects/*``, ``projects/collaborators/*``, ``exec`` and ``latex`` routes."""

from __future__ import annotations

import time
from typing import Any

from ._util import is_uuid, now_iso
from .accounts import (
    add_collaborators_to_projects,
    delete_project,
    remove_collaborators_from_projects,
)
from .auth import Principal
from .context import Context
from .copy_api import start_copy
from .exec import ExecError, options_from, parse_timeout, run, v2_error_text
from .files import FileError
from .latex import compile_latex
from .replies import HandlerError
from .v2_routes import account_only, route, signed_in

OK = {"status": "ok"}
#: The hub waits this long for the project's answer to a call (server/projects/connection/
#: handle-message.ts:80-100 @5cb3315c30), then answers the v2 route with "undefined".
HUB_CALL_CAP_S = 59.5
COPY_PATH_PARAMS = frozenset(
    {"public_id", "path", "src_project_id", "target_project_id", "target_path",
     "overwrite_newer", "delete_missing", "backup", "timeout", "bwlimit", "wait_until_done"}
)  # fmt: skip


def collaborator(ctx: Context, who: Principal | None, project_id: Any, text: str) -> str:
    who = signed_in(who)
    if not is_uuid(project_id):
        raise HandlerError("project_id must be a valid uuid")
    if ctx.store.project(project_id) is None or not ctx.is_collaborator(who, project_id):
        raise HandlerError(text)
    return str(project_id)


async def exec_v2(ctx: Context, who: Principal | None, p: dict[str, Any]) -> dict[str, Any]:
    """v2 ``exec`` and conat ``system.exec``: blocking or async jobs (src/packages/next/pages/api/v2/exec.ts)."""
    project_id = collaborator(
        ctx, who, p.get("project_id"), "user must be a collaborator on the project"
    )
    # reaching the project starts it (server/projects/connection; recorded:
    # flow-conat-life/state-after-exec)
    ctx.store.update_project(project_id, state="running")
    if p.get("async_get"):
        job = await ctx.jobs.get(project_id, str(p["async_get"]), wait=bool(p.get("async_await")),
                                 stats=bool(p.get("async_stats")), timeout=parse_timeout(p.get("timeout"), 60))  # fmt: skip
        if job is None:
            raise HandlerError(f"Async operation '{p['async_get']}' does not exist.")
        return job
    if not p.get("command"):
        raise HandlerError("command must be specified")
    opts = options_from(p, 60)
    home = ctx.files.home(project_id)
    try:
        cwd = ctx.files.resolve(project_id, opts.path or ".")
    except FileError as err:
        raise HandlerError(str(err)) from None
    if p.get("async_call"):
        return await ctx.jobs.start_with_pid(project_id, opts, cwd, home)
    try:
        out = await run(opts, cwd, home, ctx.groups, project_id=project_id)
    except ExecError as err:
        raise HandlerError(v2_error_text(opts, err)) from None
    return {
        "type": "blocking",
        "stdout": out.stdout,
        "stderr": out.stderr,
        "exit_code": out.exit_code,
    }


def _js(value: Any) -> str:
    """How a template literal prints a value: ``undefined``, an array joined with commas."""
    if value is None:
        return "undefined"
    if isinstance(value, list):
        return ",".join(_js(v) for v in value)
    return str(value)


@route("exec")
async def exec_route(ctx: Context, who: Principal | None, p: dict[str, Any]) -> dict[str, Any]:
    """next/pages/api/v2/exec.ts @5cb3315c30: its own checks, then the project's exec, whose
    failures come back as ``Error executing command '<c>' with args '<a>' -- <err>``
    (project/exec_shell_code.ts:34)."""
    signed_in(who)
    if not is_uuid(p.get("project_id")):
        # server/projects/is-collaborator.ts:15
        raise HandlerError("invalid account_id or project_id -- all must be valid uuid's")
    command, args, job = p.get("command"), p.get("args"), p.get("async_get")
    prefix = f"Error executing command '{_js(command)}' with args '{_js(args)}' -- "
    if not isinstance(job, str) and command is None:
        # no job to look up and no command: execute-code splits the undefined command
        raise HandlerError(
            prefix + "TypeError: Cannot read properties of undefined (reading 'split')"
        )
    if isinstance(args, str):
        # Node's spawn refuses a string for its argument list (recorded without validation:
        # novalidation/v2-valid-exec-args-not-list)
        raise HandlerError(
            prefix + 'error TypeError [ERR_INVALID_ARG_TYPE]: The "args" argument must be of type'
            f" object. Received type string ('{args}')"
        )
    started = time.monotonic()
    try:
        out = await exec_v2(ctx, who, p)
    except HandlerError as err:
        text = str(err.error)
        if time.monotonic() - started >= HUB_CALL_CAP_S and "killed command" in text:
            # the hub's call to the project gave up first (TIMEOUT_CALLING_PROJECT, whose
            # err.message is undefined: exec.ts answers {"error": "undefined"})
            raise HandlerError("undefined") from None
        if isinstance(job, str) and text.startswith("Async operation"):
            raise HandlerError(prefix + f"Error: {text}") from None
        unnamed = f"Error executing command '{_js(command)}' with args '' -- "
        if args is None and text.startswith(unnamed):
            # no args at all prints as "undefined" (an empty list as "")
            raise HandlerError(prefix + text[len(unnamed) :]) from None
        raise
    waited = time.monotonic() - started
    if p.get("async_await") and out.get("status") == "running" and waited >= HUB_CALL_CAP_S:
        # a hanging poll outlives the hub's 60 s call to the project (recorded:
        # flow-exec-async-90s-timeout300/await-1): {"error": "undefined"}, poll again
        raise HandlerError("undefined")
    return out


@route("projects/create")
async def create(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who, "user must be signed in")
    pid = ctx.store.create_project(
        me.account_id,
        str(p.get("title") or ""),
        str(p.get("description") or ""),
        image=p.get("image"),
    )
    ctx.files.home(pid)
    return {"project_id": pid}


@route("projects/get")
async def get(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    # next/pages/api/v2/projects/get.ts:18; a project key lists the projects of an "account"
    # that is the project itself: none (recorded: flow-project-key/v2-projects-get)
    me = signed_in(who, "Must be signed in.")
    account_id = p.get("account_id") or me.account_id
    if account_id != me.account_id and not ctx.store.is_admin(me.account_id):
        raise HandlerError("only admins can get other users' projects")
    rows = ctx.store.projects_of(account_id)[: int(p.get("limit") or 50)]
    return [
        {
            "project_id": r["project_id"],
            "title": r["title"],
            "description": r["description"],
            "name": r["name"],
        }
        for r in rows
    ]


@route("projects/get-one")
async def get_one(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    rows = ctx.store.projects_of(me.account_id)
    if rows:
        r = rows[0]  # recorded v2sweep-projects-get-one: the same row as projects/get's first
        return {"project_id": r["project_id"], "title": r["title"],
                "description": r["description"], "name": r["name"]}  # fmt: skip
    pid = ctx.store.create_project(me.account_id, "Untitled Project")
    return {"project_id": pid, "title": "Untitled Project", "description": "", "name": None}


@route("projects/update")
async def update(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    pid = collaborator(ctx, who, p.get("project_id"), "must be a collaborator on the project")
    fields = {k: str(p[k]) for k in ("title", "description", "name") if p.get(k) is not None}
    if fields:
        ctx.store.update_project(pid, **fields)
    return OK


async def _set_state(
    ctx: Context, who: Principal | None, p: dict[str, Any], state: str, verb: str
) -> Any:
    pid = collaborator(ctx, who, p.get("project_id"), f"must be a collaborator to {verb} project")
    ctx.store.update_project(pid, state=state)
    return OK


@route("projects/start")
async def start(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return await _set_state(ctx, who, p, "running", "start")


@route("projects/stop")
async def stop(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return await _set_state(ctx, who, p, "opened", "stop")


@route("projects/touch")
async def touch(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    pid = collaborator(ctx, who, p.get("project_id"), "must be a collaborator on the project")
    ctx.store.update_project(pid, last_edited=now_iso(), state="running")
    return {}


@route("projects/delete")
async def delete(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    delete_project(ctx, who, p.get("project_id"))
    return OK


@route("projects/restore")
async def restore(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """An admin or a collaborator (next/pages/api/v2/projects/restore.ts:25-38 @5cb3315c30)."""
    pid = p.get("project_id")
    if not is_uuid(pid):
        raise HandlerError("project_id must be a valid uuid")
    me = signed_in(who)
    if not ctx.store.is_admin(me.account_id) and not ctx.is_collaborator(me, str(pid)):
        raise HandlerError("must be an owner to restore a project")
    ctx.store.update_project(str(pid), deleted=0)
    return OK


@route("projects/write-text-file")
async def write_text_file(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    pid = collaborator(ctx, who, p.get("project_id"), "must be a collaborator on the project")
    if p.get("path") is None or p.get("content") is None:
        raise HandlerError("path and content must be specified")
    try:
        ctx.files.write_text(pid, str(p["path"]), str(p["content"]))
    except FileError as err:
        raise HandlerError(str(err)) from None
    return OK


@route("projects/copy-path")
async def copy_path(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = signed_in(who)
    # the handler passes on only these (copy-path.ts:27-39 @5cb3315c30): `exclude`,
    # `scheduled` and the rest are dropped (recorded: flow-copy-options)
    p = {k: v for k, v in p.items() if k in COPY_PATH_PARAMS}
    if not p.get("path"):
        raise HandlerError("path must be specified")
    for key in ("src_project_id", "target_project_id"):
        if not is_uuid(p.get(key)):
            raise HandlerError(f"{key} must be a valid uuid")
    if not ctx.is_collaborator(me, str(p["target_project_id"])):
        raise HandlerError("must be a collaborator on target project")
    public = bool(p.get("public_id"))
    if not public and not ctx.is_collaborator(me, str(p["src_project_id"])):
        raise HandlerError("must be a collaborator on source project")
    copy_id = start_copy(ctx, me, p, src_path_key="path", public=public)
    # a multi-user hub runs the copy in the background and answers its id; a single-user one
    # copies before answering and has no id to give (copy-path.ts:76, `copy_id ?? ""`)
    if p.get("wait_until_done", True) is False and not ctx.settings.single_user:
        return {"copy_id": copy_id}
    await ctx.copies.wait(copy_id)
    row = ctx.store.copy_row(copy_id)
    if row is not None and row["error"]:
        error = str(row["error"])
        if ctx.settings.single_user and error.startswith("rsync: ENOENT"):
            # a single-user hub copies with the local file system, which stats the source
            # first (recorded: flow-copy-folders/copy-missing)
            source = ctx.files.home(str(p["src_project_id"])) / str(p["path"])
            error = f"ENOENT: no such file or directory, stat '{source}'"
        raise HandlerError(error)
    return {"copy_id": ""}


@route("projects/copy-path-status")
async def copy_path_status(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = signed_in(who)
    copy_id = p.get("copy_id")
    if not is_uuid(copy_id):
        raise HandlerError("copy_id must be a valid uuid")
    row = ctx.store.copy_row(str(copy_id))
    if row is None:
        raise HandlerError("copy_id not found")
    if not ctx.is_collaborator(me, row["target_project_id"]):
        raise HandlerError("must be a collaborator on the target project")
    return {"started": row["started"], "finished": row["finished"], "copy_error": row["error"]}


@route("projects/collaborators/list")
async def collab_list(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = signed_in(who)
    if not is_uuid(p.get("project_id")):
        raise HandlerError("project_id must be a uuid")  # lib/share/get-collaborators.ts:18
    pid = str(p["project_id"])
    # list.ts:33: an admin lists any project; anyone else only a project whose users include
    # them (`users ? account_id`), so a stranger or a project key gets [] and no error
    if not ctx.store.is_admin(me.account_id) and ctx.store.group_of(me.account_id, pid) is None:
        return []
    out = []
    # lib/share/get-collaborators.ts reads jsonb_object_keys(users); jsonb keeps object keys
    # sorted (same length, so bytewise), hence the collaborators come in account_id order
    for account_id in sorted(ctx.store.users(pid)):
        row = ctx.store.account(account_id)
        if row is not None:
            out.append(
                {
                    "account_id": account_id,
                    "first_name": row["first_name"],
                    "last_name": row["last_name"],
                }
            )
    return out


async def _collab_change(ctx: Context, who: Principal | None, p: dict[str, Any], add: bool) -> Any:
    signed_in(who)
    if not is_uuid(p.get("project_id")):
        return {}  # the real route answers {} for a non-uuid project_id
    # add.ts / remove.ts call collab.ts's add_/remove_collaborators_to/from_projects directly
    # (recorded: novalidation/v2-valid-collab-add-no-account, -remove-bad-uuid)
    me = signed_in(who)
    change = add_collaborators_to_projects if add else remove_collaborators_from_projects
    change(ctx, me.account_id, [p.get("account_id")], [p.get("project_id")])
    return OK


@route("projects/collaborators/add")
async def collab_add(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return await _collab_change(ctx, who, p, True)


@route("projects/collaborators/remove")
async def collab_remove(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return await _collab_change(ctx, who, p, False)


@route("projects/collaborators/change-user-type")
async def change_user_type(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    pid = collaborator(ctx, who, p.get("project_id"), "must be a collaborator on the project")
    if ctx.store.group_of(me.account_id, pid) != "owner":
        raise HandlerError("only owners can change user types")
    group, target = p.get("new_group"), str(p.get("target_account_id"))
    if group not in ("owner", "collaborator"):
        # src/packages/util/project-ownership.ts:182
        raise HandlerError("New group must be either 'owner' or 'collaborator'")
    if ctx.store.group_of(target, pid) is None:
        raise HandlerError("invalid target account or group")
    ctx.store.add_user(pid, target, str(group))
    return OK


@route("latex")
async def latex(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    project_id = p.get("project_id")
    if project_id is None:
        rows = ctx.store.projects_of(me.account_id)
        if not rows:
            raise HandlerError("you must have a project to compile latex")
        project_id = rows[0]["project_id"]
    pid = collaborator(ctx, me, project_id, "must be a collaborator on the project")
    path = p.get("path")
    if not isinstance(path, str) or not path.endswith(".tex"):
        raise HandlerError("path must be specified and end in .tex")  # latex.ts:35
    return await compile_latex(ctx, pid, p)
