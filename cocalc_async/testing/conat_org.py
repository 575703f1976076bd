"""Conat hub ``org.*``: organizations of accounts, managed by site admins and an
organization's own admins (src/packages/server/conat/api/org.ts @5cb3315c30)."""

from __future__ import annotations

import json
import time
from typing import Any

from ._util import is_uuid, new_uuid
from .auth import Principal
from .conat_registry import hub
from .context import Context
from .replies import HandlerError

NOT_ALLOWED = "user must be an admin of the organization or site-admin"
#: createToken's default lifetime: 12 hours (org.ts, ``expire`` doc comment).
TOKEN_TTL_S = 12 * 3600


def _admins(ctx: Context, name: Any) -> list[str]:
    row = ctx.store.db.execute(
        "SELECT admin_account_ids FROM organizations WHERE name=?", (name,)
    ).fetchone()
    return [] if row is None or row[0] is None else list(json.loads(row[0]))


def _ids(stored: str | None) -> list[str] | None:
    """``admin_account_ids``: NULL until an admin is added (recorded: hubfn-org-get-admin)."""
    return None if stored is None else list(json.loads(stored))


def _allowed(ctx: Context, who: Principal, name: Any) -> None:
    if who.account_id not in _admins(ctx, name) and not ctx.store.is_admin(who.account_id):
        raise HandlerError(NOT_ALLOWED)


def _site_admin(ctx: Context, who: Principal, text: str) -> None:
    if not ctx.store.is_admin(who.account_id):
        raise HandlerError(text)


def _account(ctx: Context, user: Any) -> tuple[str | None, str | None]:
    """``getAccount(user)``: by account_id or email; (account_id, org name)."""
    row = ctx.store.account(str(user)) if is_uuid(user) else None
    if row is None and isinstance(user, str):
        row = ctx.store.account_by_email(user)
    if row is None:
        return None, None
    return str(row["account_id"]), _org_of(ctx, str(row["account_id"]))


def _org_of(ctx: Context, account_id: str) -> str | None:
    row = ctx.store.db.execute(
        "SELECT org FROM account_orgs WHERE account_id=?", (account_id,)
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _set_org(ctx: Context, account_id: str, name: str | None) -> None:
    ctx.store.db.execute(
        "INSERT INTO account_orgs (account_id, org) VALUES (?, ?)"
        " ON CONFLICT (account_id) DO UPDATE SET org=excluded.org",
        (account_id, name),
    )


@hub("org.getAll")
async def get_all(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """Recorded for a non-admin: hub-org-getall, "Error: must be a site admin"."""
    _site_admin(ctx, who, "must be a site admin")
    rows = ctx.store.db.execute("SELECT name, title, admin_account_ids FROM organizations")
    return [{"name": r[0], "title": r[1], "admin_account_ids": _ids(r[2])}
            for r in rows]  # fmt: skip


@hub("org.create")
async def create(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    _site_admin(ctx, who, "only admins may create organizations")
    name = a.get("name")
    taken = ctx.store.db.execute("SELECT 1 FROM organizations WHERE name=?", (name,)).fetchone()
    if taken is not None:
        raise HandlerError(f"name {name} is already used by some account or organization")
    organization_id = new_uuid()
    ctx.store.db.execute(
        "INSERT INTO organizations (organization_id, name, admin_account_ids) VALUES (?, ?, NULL)",
        (organization_id, name),
    )
    return organization_id


@hub("org.get")
async def get(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    row = ctx.store.db.execute(
        "SELECT name, title, description, link, email_address, admin_account_ids"
        " FROM organizations WHERE name=?",
        (name,),
    ).fetchone()
    if row is None:
        raise HandlerError(f"no org named '{name}'")
    return {"name": row[0], "title": row[1], "description": row[2], "link": row[3],
            "email_address": row[4], "admin_account_ids": _ids(row[5])}  # fmt: skip


@hub("org.set")
async def set_(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    for field in ("title", "description", "link", "email_address"):
        if a.get(field) is not None:
            ctx.store.db.execute(
                f"UPDATE organizations SET {field}=? WHERE name=?", (str(a[field]), name)
            )
    return None


@hub("org.addAdmin")
async def add_admin(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name, user = a.get("name"), a.get("user")
    account_id, org = _account(ctx, user)
    if account_id is None:
        raise HandlerError(f"no such account '{user}'")
    if org is not None and org != name:
        raise HandlerError(f"User '{user}' is already member of another organization")
    _site_admin(ctx, who, "only site admins can make a user an organization admin right now")
    admins = _admins(ctx, name)
    if account_id not in admins:
        ctx.store.db.execute(
            "UPDATE organizations SET admin_account_ids=? WHERE name=?",
            (json.dumps([*admins, account_id]), name),
        )
    _set_org(ctx, account_id, str(name))
    return None


@hub("org.addUser")
async def add_user(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    _site_admin(ctx, who, "only site admins can add/move a user to an org right now")
    account_id, _ = _account(ctx, a.get("user"))
    if account_id is None:
        raise HandlerError(f"cannot find user '{a.get('user')}'")
    _set_org(ctx, account_id, str(a.get("name")))
    return None


@hub("org.createUser")
async def create_user(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """A new account in the organization; like any new account it runs its pending email
    invitations, and with none gets a first project (not started)."""
    name = a.get("name")
    _allowed(ctx, who, name)
    email = a.get("email")
    if isinstance(email, str) and ctx.store.account_by_email(email) is not None:
        raise HandlerError(
            'duplicate key value violates unique constraint "accounts_email_address_key"'
        )
    account_id = ctx.store.create_account(
        first_name=str(a.get("firstName") or ""), last_name=str(a.get("lastName") or ""),
        email_address=email if isinstance(email, str) and email else None,
        password=str(a["password"]) if a.get("password") else new_uuid(),
    )  # fmt: skip
    if not ctx.store.projects_of(account_id):
        ctx.files.home(ctx.store.create_project(account_id, "My First Project"))
    _set_org(ctx, account_id, str(name))
    return account_id


@hub("org.removeUser")
async def remove_user(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    account_id, _ = _account(ctx, a.get("user"))
    if account_id is None:
        raise HandlerError(f"cannot find user '{a.get('user')}'")
    if account_id in _admins(ctx, name):
        raise HandlerError(
            "admin cannot be removed from org; first remove them from being an admin"
        )
    _set_org(ctx, account_id, None)
    return None


@hub("org.removeAdmin")
async def remove_admin(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    account_id, _ = _account(ctx, a.get("user"))
    if account_id is None:
        raise HandlerError(f"cannot find user '{a.get('user')}'")
    admins = [x for x in _admins(ctx, name) if x != account_id]
    ctx.store.db.execute(
        "UPDATE organizations SET admin_account_ids=? WHERE name=?", (json.dumps(admins), name)
    )
    return None


@hub("org.createToken")
async def create_token(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """An impersonation token for a member: ``{token, url}``."""
    account_id, org = _account(ctx, a.get("user"))
    if not org:
        raise HandlerError("user is not in an org")
    if account_id is None:
        raise HandlerError("account not found")
    _allowed(ctx, who, org)
    token = ctx.store.create_auth_token(account_id)
    expire = a.get("expire")
    if isinstance(expire, (int, float)) and not isinstance(expire, bool):
        ctx.store.db.execute(
            "UPDATE auth_tokens SET expire=? WHERE token=?", (float(expire) / 1000, token)
        )
    else:
        ctx.store.db.execute(
            "UPDATE auth_tokens SET expire=? WHERE token=?", (time.time() + TOKEN_TTL_S, token)
        )
    return {"token": token, "url": f"/auth/impersonate?auth_token={token}"}


@hub("org.expireToken")
async def expire_token(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    if isinstance(a.get("token"), str):
        ctx.store.expire_auth_token(a["token"])
    return None


@hub("org.getUsers")
async def get_users(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    out = []
    for (account_id,) in ctx.store.db.execute(
        "SELECT account_id FROM account_orgs WHERE org=?", (name,)
    ).fetchall():
        row = ctx.store.account(account_id)
        if row is not None:
            out.append({"first_name": row["first_name"], "last_name": row["last_name"],
                        "account_id": account_id, "email_address": row["email_address"],
                        "last_active": row["last_active"]})  # fmt: skip
    return out


@hub("org.message")
async def message(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    name = a.get("name")
    _allowed(ctx, who, name)
    members = [r[0] for r in ctx.store.db.execute(
        "SELECT account_id FROM account_orgs WHERE org=?", (name,))]  # fmt: skip
    if members:
        ctx.store.add_message(
            who.account_id, members, str(a.get("subject") or ""), str(a.get("body") or ""), None
        )
    return None
