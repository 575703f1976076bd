"""Conat hub ``projects.*``: members, email invitations, life cycle, quotas.

The hub reports a thrown error as ``${err}`` (src/packages/server/conat/api/index.ts:164
@5cb3315c30), so the bridge adds the ``Error: `` prefix to every text raised here. Functions
that take ``{account_id, opts}`` receive ``opts`` (``conat.OPTS_METHODS``).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ._util import is_uuid, new_uuid, now_ms
from .accounts import (
    add_collaborators_to_projects,
    delete_project,
    is_member,
    is_valid_email_address,
)
from .auth import Principal
from .conat_registry import hub
from .context import Context
from .replies import HandlerError

#: src/packages/util/consts/invites.ts @5cb3315c30: an email goes out at most once a day.
RESEND_INVITE_INTERVAL_S = 1 * 24 * 3600


def _require(ctx: Context, who: Principal, project_id: Any, text: str) -> str:
    if not is_member(ctx, who.account_id, project_id):
        raise HandlerError(text)
    return str(project_id)


def _opts(a: dict[str, Any], field: str) -> None:
    """``opts.<field>`` on a missing ``opts`` is a TypeError in the hub."""
    if a.get("__missing_opts__"):
        raise HandlerError(f"TypeError: Cannot read properties of undefined (reading '{field}')")


def _manage_check(ctx: Context, project_id: str) -> None:
    """``ensureCanManageCollaborators`` with the default settings (no owner-only rule):
    only the project must exist (src/packages/server/projects/ownership-checks.ts:85-106)."""
    if ctx.store.project(project_id) is None:
        raise HandlerError("OwnershipError: Project not found")


@hub("projects.addCollaborator")
async def add_collaborator(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """src/packages/server/projects/collaborators.ts:195-247 and collab.ts @5cb3315c30; the
    answer is ``{project_id: [...]}`` (recorded: flow-collab, flow-conat-add-collab)."""
    _opts(a, "project_id")
    if a.get("token_id") is not None:
        raise HandlerError("Project invite token is not valid - no such token")
    projects = a.get("project_id")
    accounts = a.get("account_id")
    projects = projects if isinstance(projects, list) else [projects]
    accounts = accounts if isinstance(accounts, list) else [accounts]
    for project_id in projects:
        if project_id:
            if not is_uuid(project_id):
                raise HandlerError(f"Invalid project_id: {project_id}")
            _manage_check(ctx, str(project_id))
    add_collaborators_to_projects(ctx, who.account_id, accounts, projects)
    return {"project_id": projects}


@hub("projects.removeCollaborator")
async def remove_collaborator(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """collaborators.ts:41-77 @5cb3315c30."""
    _opts(a, "project_id")
    pid = _require(ctx, who, a.get("project_id"), "user must be a collaborator")
    target = a.get("account_id")
    if not is_uuid(target):
        raise HandlerError(f"Invalid account_id: {target}")
    if ctx.store.group_of(str(target), pid) == "owner":
        raise HandlerError("OwnershipError: Cannot remove an owner. Demote to collaborator first.")
    ctx.store.remove_user(pid, str(target))
    ctx.keys.invalidate()
    return None


@hub("projects.inviteCollaborator")
async def invite_collaborator(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """An account is added at once; with ``email`` set, an invitation email is recorded in
    the project's ``invite`` map unless one went out in the last day
    (collaborators.ts:354-464 @5cb3315c30)."""
    _opts(a, "project_id")
    pid = _require(ctx, who, a.get("project_id"), "user must be a collaborator")
    _manage_check(ctx, pid)
    target = a.get("account_id")
    if not is_uuid(target):
        raise HandlerError(f'invalid input syntax for type uuid: "{target}"')
    if ctx.store.group_of(str(target), pid) != "owner":
        ctx.store.add_user(pid, str(target))
    ctx.keys.invalidate()
    row = ctx.store.account(str(target))
    email = row["email_address"] if row is not None else None
    if a.get("email") and email:
        _send_invite(ctx, pid, str(email), who.account_id)
    return None


def _send_invite(ctx: Context, project_id: str, email: str, invited_by: str) -> None:
    sent = ctx.store.invite_sent_at(project_id, email)
    if sent is not None and time.time() - sent < RESEND_INVITE_INTERVAL_S:
        return
    # No email backend is configured (like a fresh hub): send_email succeeds without sending
    # (src/packages/server/hub/email.ts:563-579) and the send is recorded.
    ctx.store.record_invite_sent(project_id, email, invited_by)


@hub("projects.inviteCollaboratorWithoutAccount")
async def invite_without_account(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """Invite by email (collaborators.ts:466-612 @5cb3315c30): ``to`` is a list of addresses
    separated by commas, semicolons or white space. An address with an account is added at
    once; otherwise an ``add_to_project`` action waits two weeks for an account with that
    email, which then joins the project when it is created."""
    _opts(a, "project_id")
    pid = _require(ctx, who, a.get("project_id"), "user must be a collaborator")
    _manage_check(ctx, pid)
    to = a.get("to")
    if not isinstance(to, str):
        if to is None:
            raise HandlerError("TypeError: Cannot read properties of undefined (reading 'length')")
        raise HandlerError("TypeError: opts.to.replace is not a function")
    if len(to) > 1024:
        raise HandlerError("Specify less recipients when adding collaborators to project.")
    addresses = [x for x in to.replace(";", ",").translate(_WS_TO_COMMA).split(",") if x]
    # Promise.all: every address is checked; the first bad one is the error
    for address in addresses:
        if not is_valid_email_address(address):
            raise HandlerError(f"invalid email address '{address}'")
        if len(address) >= 128:
            raise HandlerError(f"email address must be at most 128 characters: '{address.lower()}'")
    for address in addresses:
        email = address.lower()
        row = ctx.store.account_by_email(email)
        if row is not None:
            if ctx.store.group_of(row["account_id"], pid) != "owner":
                ctx.store.add_user(pid, row["account_id"])
        else:
            ctx.store.add_creation_action(email, pid)
        _send_invite(ctx, pid, email, who.account_id)
    ctx.keys.invalidate()
    return None


_WS_TO_COMMA = {ord(c): "," for c in " \t\n\r\f\v"}


@hub("projects.changeUserType")
async def change_user_type(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """collaborators.ts:249-339 and util/project-ownership.ts @5cb3315c30."""
    _opts(a, "project_id")
    pid = a.get("project_id")
    if not is_member(ctx, who.account_id, pid):
        raise HandlerError("OwnershipError: Not a project member")
    pid = str(pid)
    if ctx.store.project(pid) is None:
        raise HandlerError("OwnershipError: Project not found")
    users = ctx.store.users(pid)
    target = str(a.get("target_account_id"))
    new_group = a.get("new_group")
    mine = users.get(who.account_id, {}).get("group")
    if mine not in ("owner", "collaborator"):
        fail = "Requesting user is not a valid project member"
    elif mine != "owner":
        fail = "Only project owners can change user types"
    elif target not in users:
        fail = "Target user is not a member of this project"
    elif users[target].get("group") not in ("owner", "collaborator"):
        fail = "Target user does not have a valid group (must be owner or collaborator)"
    elif new_group not in ("owner", "collaborator"):
        fail = "New group must be either 'owner' or 'collaborator'"
    elif (
        users[target]["group"] == "owner"
        and new_group == "collaborator"
        and sum(1 for u in users.values() if u.get("group") == "owner") <= 1
    ):
        fail = "Cannot change the last owner to collaborator. At least one owner is required."
    else:
        ctx.store.add_user(pid, target, str(new_group))
        ctx.keys.invalidate()
        return None
    raise HandlerError(f"OwnershipError: {fail}")


@hub("projects.setQuotas")
async def set_quotas(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """Admins only, with the admin-search text CoCalc uses here
    (src/packages/server/conat/api/projects.ts:66-68 @5cb3315c30)."""
    if not ctx.store.is_admin(who.account_id):
        raise HandlerError("Must be an admin to do admin search.")
    pid = a.get("project_id")
    if not is_uuid(pid) or ctx.store.project(str(pid)) is None:
        raise HandlerError(f"no project with id {pid}")
    quotas = {k: v for k, v in a.items() if k not in ("account_id", "project_id")}
    ctx.store.set_project_settings(str(pid), quotas)
    return None


@hub("projects.deleteProject")
async def delete_project_fn(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    delete_project(ctx, who, a.get("project_id"))
    return None


def _project_row(ctx: Context, pid: str) -> Any:
    row = ctx.store.project(pid)
    if row is None:
        raise HandlerError(f"no project with id {pid}")
    return row


@hub("projects.start")
async def start(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    pid = _require(ctx, who, a.get("project_id"), "must be collaborator on project to start it")
    ctx.store.update_project(pid, state="running")
    return None


@hub("projects.stop")
async def stop(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    pid = _require(ctx, who, a.get("project_id"), "must be collaborator on project to stop it")
    ctx.store.update_project(pid, state="opened")
    return None


@hub("projects.touch")
async def touch(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    pid = _require(ctx, who, a.get("project_id"), "must be collaborator on project to touch it")
    # project.touch(account_id): account and project active, and the project started
    ctx.store.touch_project(pid)
    ctx.store.touch_account(who.account_id)
    ctx.store.update_project(pid, state="running")
    return None


@hub("projects.state")
async def state(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``{ip, state, time}`` (recorded: hub-state)."""
    pid = _require(ctx, who, a.get("project_id"), "must be collaborator on project to get state")
    row = _project_row(ctx, pid)
    return {"ip": "127.0.0.1", "state": row["state"], "time": row["last_edited"]}


@hub("projects.status")
async def status(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """A running project's status (recorded: hub-status); a stopped one has none."""
    pid = _require(ctx, who, a.get("project_id"), "must be collaborator on project to get status")
    row = _project_row(ctx, pid)
    if row["state"] != "running":
        return {}
    key = f"status:{pid}"
    known = ctx.store.meta_get(key)
    if known is not None:
        return json.loads(known)
    # one status per emulator database: stable across calls, like a running project's
    out = {"project.pid": os.getpid(), "hub-server.port": 0, "browser-server.port": 0,
           "start_ts": now_ms(), "session_id": new_uuid()}  # fmt: skip
    ctx.store.meta_set(key, json.dumps(out))
    return out
