"""The v1 handlers (``mesg_<event>`` in the 2021 hub). Each takes the checked parameters and
returns the reply message; a HandlerError becomes ``{"event":"error",...}`` with HTTP 200."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ._util import is_uuid, now_iso
from .auth import Principal
from .context import Context
from .copy_api import V1_NOTE, copy_delete, copy_status, start_copy
from .exec import ExecError, options_from, run, v1_error_text
from .files import FileError
from .query import user_query
from .replies import HandlerError

Handler = Callable[[Context, Principal, dict[str, Any]], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}
SUCCESS = {"event": "success"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def need_project(ctx: Context, who: Principal, project_id: Any, access: str = "write") -> str:
    if not is_uuid(project_id):
        raise HandlerError(f'invalid input syntax for type uuid: "{project_id}"')
    if ctx.store.project(project_id) is None or not ctx.is_collaborator(who, project_id):
        raise HandlerError(
            f"User {who.account_id} does not have {access} access to project {project_id}"
        )
    return str(project_id)


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@handler("ping")
async def ping(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    return {"event": "pong", "now": now_iso()}


@handler("create_project")
async def create_project(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    if who.project_id is not None:
        raise HandlerError("user must be signed in before accessing projects")
    pid = ctx.store.create_project(
        who.account_id, str(p.get("title", "")), str(p.get("description", "")), image=p.get("image")
    )
    ctx.files.home(pid)
    if p.get("start"):
        ctx.store.update_project(pid, state="running")
    return {"event": "project_created", "project_id": pid}


@handler("touch_project")
async def touch_project(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    ctx.store.touch_project(need_project(ctx, who, p["project_id"]))
    return dict(SUCCESS)


@handler("disconnect_from_project")
async def disconnect(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    need_project(ctx, who, p["project_id"])
    return dict(SUCCESS)


@handler("add_collaborator")
async def add_collaborator(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("token_id") is not None:
        raise HandlerError("project invite tokens are not supported by the emulator")
    projects, accounts = _listify(p.get("project_id")), _listify(p["account_id"])
    if len(projects) != len(accounts):
        raise HandlerError("project_id and account_id must be arrays of the same length")
    for project_id, account_id in zip(projects, accounts, strict=False):
        need_project(ctx, who, project_id)
        if not is_uuid(account_id) or ctx.store.account(account_id) is None:
            raise HandlerError(f"no account with id {account_id}")
        if ctx.store.group_of(account_id, project_id) != "owner":
            ctx.store.add_user(project_id, account_id)
    ctx.keys.invalidate()
    return dict(SUCCESS)


@handler("invite_collaborator")
async def invite_collaborator(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"])
    account_id = p["account_id"]
    if not is_uuid(account_id) or ctx.store.account(account_id) is None:
        raise HandlerError(f"no account with id {account_id}")
    # the 2021 jsonb merge sets group=collaborator even for the owner (hub/postgres of 2db78fc4f7)
    ctx.store.add_user(project_id, account_id, "collaborator")
    ctx.keys.invalidate()
    return dict(SUCCESS)


@handler("remove_collaborator")
async def remove_collaborator(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"])
    account_id = str(p["account_id"])
    if ctx.store.group_of(account_id, project_id) != "owner":  # the owner stays
        ctx.store.remove_user(project_id, account_id)
        ctx.keys.invalidate()
    return dict(SUCCESS)


@handler("invite_noncloud_collaborators")
async def invite_noncloud(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"])
    invited = []
    for email in re.split(r"[\s,;]+", str(p["to"])):
        if not email:
            continue
        if not _EMAIL.match(email):
            raise HandlerError(f"invalid email address '{email}'")
        account = ctx.store.account_by_email(email)
        if account is not None:
            ctx.store.add_user(project_id, account["account_id"])
        else:
            # the account made later with this email joins (account_creation_actions)
            ctx.store.add_creation_action(email, project_id)
        if ctx.store.add_invitation(project_id, email.lower(), who.account_id):
            invited.append(email)
    ctx.keys.invalidate()
    return {
        "event": "invite_noncloud_collaborators_resp",
        "mesg": f"Invited {', '.join(invited)} to collaborate on a project.",
    }


@handler("get_usernames")
async def get_usernames(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for account_id in _listify(p["account_ids"]):
        row = ctx.store.account(account_id) if is_uuid(account_id) else None
        if row is not None:
            names[account_id] = {"first_name": row["first_name"], "last_name": row["last_name"]}
    return {"event": "usernames", "usernames": names}


@handler("user_search")
async def user_search(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    term = str(p["query"])
    results = []
    for row in ctx.store.search_accounts(term, int(p.get("limit", 20))):
        item = {
            "account_id": row["account_id"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
        }
        if "@" in term:
            item["email_address"] = row["email_address"]
        results.append(item)
    return {"event": "user_search_results", "results": results}


@handler("user_auth")
async def user_auth(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    account_id = p["account_id"]
    ban_key, ban_s = (who.account_id, str(account_id)), ctx.settings.user_auth_ban_s
    banned_at = ctx.user_auth_bans.get(ban_key)
    if ctx.settings.throttle and banned_at is not None and time.monotonic() - banned_at < ban_s:
        raise HandlerError(f"banned -- please wait at least {ban_s:g}s before trying again")
    if not is_uuid(account_id) or not ctx.store.check_password(account_id, str(p["password"])):
        ctx.user_auth_bans[ban_key] = time.monotonic()
        raise HandlerError("incorrect password")
    return {"event": "user_auth_token", "auth_token": ctx.store.create_auth_token(account_id)}


@handler("create_account")
async def create_account(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    reason: dict[str, str] = {}
    email = str(p.get("email_address") or "")
    password = str(p.get("password") or "")
    if not p.get("agreed_to_terms"):
        reason["agreed_to_terms"] = "Agree to the Terms of Service."
    if not _EMAIL.match(email):
        reason["email_address"] = "Email address does not appear to be valid."
    elif ctx.store.account_by_email(email) is not None:
        reason["email_address"] = "This e-mail address is already taken."
    if not 6 <= len(password) <= 64:
        reason["password"] = "Password must be between 6 and 64 characters."
    if reason:
        return {"event": "account_creation_failed", "reason": reason}
    account_id = ctx.store.create_account(
        first_name=str(p.get("first_name") or ""),
        last_name=str(p.get("last_name") or ""),
        email_address=email,
        password=password,
    )
    return {"event": "account_created", "account_id": account_id}


@handler("change_password")
async def change_password(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    if p["account_id"] != who.account_id:
        return {"event": "changed_password", "error": "you may only change your own password"}
    row = ctx.store.account(who.account_id)
    if (
        row is not None
        and row["password_hash"]
        and not ctx.store.check_password(who.account_id, str(p.get("old_password", "")))
    ):
        return {"event": "changed_password", "error": "invalid old password"}
    if not 6 <= len(str(p["new_password"])) <= 64:
        return {
            "event": "changed_password",
            "error": "new password must be between 6 and 64 characters",
        }
    ctx.store.set_password(who.account_id, str(p["new_password"]))
    return {"event": "changed_password"}


@handler("change_email_address")
async def change_email(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    new = str(p["new_email_address"]).lower()
    if p["account_id"] != who.account_id:
        return {
            "event": "changed_email_address",
            "error": "you may only change your own email address",
        }
    if not _EMAIL.match(new):
        return {"event": "changed_email_address", "error": "email_invalid"}
    other = ctx.store.account_by_email(new)
    if other is not None and other["account_id"] != who.account_id:
        return {"event": "changed_email_address", "error": "email_already_taken"}
    row = ctx.store.account(who.account_id)
    if (
        row is not None
        and row["password_hash"]
        and not ctx.store.check_password(who.account_id, str(p.get("password", "")))
    ):
        return {"event": "changed_email_address", "error": "invalid_password"}
    ctx.store.update_account(who.account_id, email_address=new)
    return {"event": "changed_email_address", "error": False}


@handler("project_exec")
async def project_exec(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"])
    opts = options_from(p, 10)
    home = ctx.files.home(project_id)
    try:
        cwd = ctx.files.resolve(project_id, opts.path or ".")
        out = await run(opts, cwd, home, ctx.groups, project_id=project_id)
    except FileError as err:
        raise HandlerError(
            f"Error executing command '{opts.command}' with args '{','.join(opts.args)}' -- {err}, , "
        ) from None
    except ExecError as err:
        raise HandlerError(v1_error_text(opts, err)) from None
    return {
        "event": "project_exec_output",
        "stdout": out.stdout,
        "stderr": out.stderr,
        "exit_code": out.exit_code,
    }


@handler("read_text_file_from_project")
async def read_text_file(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"], "read")
    try:
        content = ctx.files.read_text(project_id, str(p["path"]))
    except FileError as err:
        raise HandlerError(err.node_error) from None
    return {"event": "text_file_read_from_project", "content": content}


@handler("write_text_file_to_project")
async def write_text_file(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id = need_project(ctx, who, p["project_id"])
    try:
        ctx.files.write_text(project_id, str(p["path"]), str(p["content"]))
    except FileError as err:
        raise HandlerError(err.node_error) from None
    return {"event": "file_written_to_project"}


@handler("public_get_text_file")
async def public_text(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id, path = str(p["project_id"]), str(p["path"])
    shared = ctx.store.containing_public_path(project_id, path) if is_uuid(project_id) else None
    if shared is None:
        raise HandlerError(f"path '{path}' of project with id '{project_id}' is not public")
    try:
        # within=shared: a symlink in the shared directory may not reach private files
        data = ctx.files.read_text(project_id, path, within=shared)
        return {"event": "public_text_file_contents", "data": data}
    except FileError as err:
        raise HandlerError(err.node_error) from None


@handler("public_get_directory_listing")
async def public_listing(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    project_id, path = str(p["project_id"]), str(p["path"])
    shared = ctx.store.containing_public_path(project_id, path) if is_uuid(project_id) else None
    if shared is None:
        raise HandlerError(f"path '{path}' of project with id '{project_id}' is not public")
    try:
        files = ctx.files.listing(project_id, path, bool(p.get("hidden")), within=shared)
    except FileError as err:
        raise HandlerError(err.node_error) from None
    if p.get("time"):
        files.sort(key=lambda f: -int(f["mtime"]))
    start, limit = int(p.get("start", 0)), int(p.get("limit", -1))
    files = files[start:] if limit < 0 else files[start : start + limit]
    return {"event": "public_directory_listing", "result": {"files": files}}


@handler("query")
async def query(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("multi_response"):
        # the real hub's typo (``otps.cb``) turns this into a ReferenceError message
        raise HandlerError("ReferenceError: otps is not defined")
    return {"event": "query", "query": user_query(ctx, who, p["query"]), "multi_response": False}


@handler("copy_path_between_projects")
async def copy_between(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    copy_id = start_copy(ctx, who, p)
    if p.get("wait_until_done") is True and p.get("scheduled") is None:
        await ctx.copies.wait(copy_id)
        row = ctx.store.copy_row(copy_id)
        if row is not None and row["error"]:
            raise HandlerError(row["error"])
        # kucalc answers with an empty copy_path_id when it waited
        return {"event": "copy_path_between_projects_response", "copy_path_id": "", "note": V1_NOTE}
    return {
        "event": "copy_path_between_projects_response",
        "copy_path_id": copy_id,
        "note": V1_NOTE,
    }


@handler("copy_public_path_between_projects")
async def copy_public(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    copy_id = start_copy(ctx, who, p, public=True)
    await ctx.copies.wait(copy_id)
    row = ctx.store.copy_row(copy_id)
    if row is not None and row["error"]:
        raise HandlerError(row["error"])
    return dict(SUCCESS)


@handler("copy_path_status")
async def copy_path_status(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    return {"event": "copy_path_status_response", "data": copy_status(ctx, who, p)}


@handler("copy_path_delete")
async def copy_path_delete(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "copy_path_status_response",
        "data": copy_delete(ctx, who, p.get("copy_path_id")),
    }
