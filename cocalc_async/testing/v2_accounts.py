"""v2 accounts, auth, api-keys, user-query, messages, support and public-paths routes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from ._util import is_uuid, now_iso
from .accounts import NO_ANONYMOUS_API, NOT_TRUSTED, manage_api_keys, sign_up_issues, user_search
from .auth import Principal
from .context import Context
from .query import user_query
from .replies import HandlerError, Reply
from .v2_routes import account_only, route, signed_in

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _names(ctx: Context, ids: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for account_id in ids if isinstance(ids, list) else [ids]:
        row = ctx.store.account(account_id) if is_uuid(account_id) else None
        if row is not None:
            # getNames selects the profile column too (server/accounts/get-name.ts:73): null
            # for an account that never set a colour or an image
            out[account_id] = {"first_name": row["first_name"], "last_name": row["last_name"],
                               "profile": None}  # fmt: skip
    return out


@route("accounts/get-names")
async def get_names(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    signed_in(who)
    if not isinstance(p.get("account_ids"), (list, str)):
        # server/accounts/get-name.ts iterates the parameter: Node's text for a non-iterable
        raise HandlerError("account_ids is not iterable")
    return {"names": _names(ctx, p["account_ids"])}


@route("accounts/search")
async def search(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """next/pages/api/v2/accounts/search.ts: the same search as conat system.userSearch, with
    its defaults, for anyone (recorded: v2-acct-search, v2-acct-search-nokey)."""
    return user_search(ctx, p.get("query"))


@route("accounts/profile")
async def profile(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_id = p.get("account_id")
    private = account_id is None
    if private:
        account_id = account_only(who).account_id
    row = ctx.store.account(str(account_id)) if is_uuid(account_id) else None
    if row is None:
        raise HandlerError(f"no account with id {account_id}")
    prof = {"account_id": row["account_id"], "first_name": row["first_name"],
            "last_name": row["last_name"], "name": None}  # fmt: skip
    if private:
        prof["email_address"] = row["email_address"]
        prof["is_admin"] = ctx.store.is_admin(row["account_id"])
        # server/accounts/profile/private.ts:25-29: partner group; no email and no passport
        prof["is_partner"] = False
        prof["is_anonymous"] = not row["email_address"]
    return {"profile": prof}


@route("accounts/set-name")
async def set_name(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    fields = {k: str(p[k]) for k in ("first_name", "last_name") if p.get(k)}
    ctx.store.update_account(me.account_id, **fields)
    return {"status": "success"}


@route("accounts/set-email-address")
async def set_email(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    email = str(p.get("email_address") or "").lower()
    if not _EMAIL.match(email):
        raise HandlerError("email address must be valid")
    row = ctx.store.account(me.account_id)
    if (
        row is not None
        and row["password_hash"]
        and not ctx.store.check_password(me.account_id, str(p.get("password") or ""))
    ):
        raise HandlerError("invalid password")
    other = ctx.store.account_by_email(email)
    if other is not None and other["account_id"] != me.account_id:
        raise HandlerError(f"The email address '{email}' is already in use by another account.")
    ctx.store.update_account(me.account_id, email_address=email)
    return {"status": "success"}


@route("accounts/set-password")
async def set_password(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    if not ctx.store.check_password(me.account_id, str(p.get("currentPassword") or "")):
        row = ctx.store.account(me.account_id)
        if row is not None and row["password_hash"]:
            raise HandlerError("invalid current password")
    new = str(p.get("newPassword") or "")
    if len(new) < 6:
        raise HandlerError("password must be at least 6 characters long")
    ctx.store.set_password(me.account_id, new)
    return {"status": "success"}


@route("api-keys")
async def api_keys(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """src/packages/next/pages/api/v2/api-keys.ts @5cb3315c30: ``{response}``, which JSON drops
    when the action answers nothing (delete, edit: ``{}``). A project key's "account" is the
    project: "account_id is not a valid account" (recorded: flow-project-key)."""
    me = signed_in(who)
    response = manage_api_keys(
        ctx, me.account_id, p.get("action"), p.get("project_id"), p.get("name"),
        p.get("expire"), p.get("id"),
    )  # fmt: skip
    return {} if response is None else {"response": response}


@route("auth/sign-up")
async def sign_up(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """src/packages/next/pages/api/v2/auth/sign-up.ts:64-269 @5cb3315c30, in its order: an
    existing email+password signs in; then the field issues; then, with an API key, the
    caller's trust (on-prem: group ``admin``); then the email's availability."""
    password = str(p.get("password") or "").strip()
    email = str(p.get("email") or "").lower().strip()
    first_name = str(p.get("firstName") or "Anonymous").strip()
    last_name = str(p.get("lastName") or f"User-{round(time.time())}").strip()
    if email and password:
        row = ctx.store.account_by_email(email)
        if row is not None and ctx.store.check_password(row["account_id"], password):
            return {"account_id": row["account_id"]}
    if email:
        issues = sign_up_issues(p.get("terms"), email, password)
        if issues:
            return {"issues": issues}
    if who is not None:
        if not email:
            return {"issues": {"api": NO_ANONYMOUS_API}}
        if who.project_id is not None or not ctx.store.is_admin(who.account_id):
            return {"issues": {"api": NOT_TRUSTED}}
    if not email:
        # site setting anonymous_signup defaults to "no" (util/db-schema/site-defaults.ts:908)
        return {"issues": {"email": "Anonymous account creation is disabled."}}
    if ctx.store.account_by_email(email) is not None:
        return {"issues": {"email": f'Email address "{email}" already in use.'}}
    account_id = ctx.store.create_account(
        first_name=first_name, last_name=last_name, email_address=email, password=password
    )  # the store runs the pending email invitations (account-creation-actions.ts)
    projects = ctx.store.projects_of(account_id)
    if projects:
        # invited somewhere: the newest such project is started (account-creation-actions.ts:80)
        ctx.store.update_project(projects[0]["project_id"], state="running")
    else:
        # no invitation: a first project is made for the new user (first-project.ts:41-48)
        first = ctx.store.create_project(account_id, "My First Project")
        ctx.files.home(first)
        ctx.store.update_project(first, state="running")
    return {"account_id": account_id}


_SIGN_IN_FAILS: dict[str, list[float]] = {}


@route("auth/sign-in")
async def sign_in(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    email = p.get("email")
    if not isinstance(email, str):
        return Reply(500, b"Internal Server Error", "text/plain")  # the real route's TypeError
    email = email.lower()
    now = time.time()
    fails = [t for t in _SIGN_IN_FAILS.get(email, []) if now - t < 3600]
    if sum(1 for t in fails if now - t < 60) >= 5 or len(fails) >= 50:
        raise HandlerError(
            f'Too many attempts per minute to sign in as "{email}". Wait one minute, then try again.'
        )
    row = ctx.store.account_by_email(email)
    if row is None or not ctx.store.check_password(row["account_id"], str(p.get("password") or "")):
        _SIGN_IN_FAILS[email] = [*fails, now]
        raise HandlerError("Incorrect password or email address.")
    return {"account_id": row["account_id"]}


@route("user-query")
async def user_query_route(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return {"query": user_query(ctx, who, p.get("query"))}


@route("messages/send")
async def send_message(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    to_ids = p.get("to_ids") or []
    for account_id in to_ids:
        if not is_uuid(account_id) or ctx.store.account(account_id) is None:
            raise HandlerError(f"invalid account_id {account_id}")
    if not p.get("subject"):
        raise HandlerError("subject must be nonempty")
    mid = ctx.store.add_message(
        me.account_id, list(to_ids), str(p["subject"]), str(p.get("body") or ""), p.get("reply_id")
    )
    return {"status": "success", "id": mid}


@route("messages/get")
async def get_messages(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    rows = ctx.store.messages_for(
        me.account_id,
        str(p.get("type") or "received"),
        int(p.get("limit") or 100),
        int(p.get("offset") or 0),
    )
    msgs = [{"id": r["id"], "from_id": r["from_id"], "to_ids": json.loads(r["to_ids"]),
             "subject": r["subject"], "body": r["body"], "sent": r["sent"], "thread_id": r["reply_id"],
             **_flags(r)}
            for r in rows]  # fmt: skip
    return {"status": "success", "messages": msgs}


def _flags(row: Any) -> dict[str, bool]:
    """The per-recipient flags of a message (recorded ``flow-messages/get``): false until set.
    The store keeps who has read a message as a JSON list of account ids."""
    read = row["read"]  # the messages table always has the column (store.SCHEMA)
    return {"read": bool(json.loads(read or "[]")), "saved": False, "deleted": False}


@route("support/create-ticket")
async def create_ticket(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    opts = p.get("options") or {}
    if not isinstance(opts, dict) or not opts.get("email"):
        raise HandlerError("email must be specified")
    ticket = ctx.store.add_ticket(
        who.account_id if who else None,
        str(opts["email"]),
        str(opts.get("subject") or ""),
        str(opts.get("body") or ""),
    )
    return {"url": f"https://support.example.invalid/requests/{ticket}"}


@route("support/tickets")
async def tickets(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    return {"tickets": [{"id": r["id"], "subject": r["subject"], "description": r["body"],
                         "created_at": r["created_at"], "updated_at": r["updated_at"],
                         "status": r["status"]} for r in ctx.store.tickets(me.account_id)]}  # fmt: skip


def _public(ctx: Context, who: Principal | None, p: dict[str, Any]) -> tuple[Principal, Any]:
    me = account_only(who)
    row = ctx.store.public_path(str(p.get("id"))) if p.get("id") else None
    if row is None:
        raise HandlerError("no such public path")
    return me, row


@route("public-paths/save")
async def pp_save(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me, row = _public(ctx, who, p)
    if not ctx.is_collaborator(me, row["project_id"]):
        raise HandlerError("must be a collaborator on the project to save a public path")
    ctx.store.set_public_path(row["project_id"], row["path"], row["description"])
    return {}


@route("public-paths/star")
async def pp_star(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me, row = _public(ctx, who, p)
    stars = sorted(set(json.loads(row["stars"])) | {me.account_id})
    ctx.store.set_stars(row["id"], stars)
    return {}


@route("public-paths/unstar")
async def pp_unstar(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me, row = _public(ctx, who, p)
    stars = sorted(set(json.loads(row["stars"])) - {me.account_id})
    ctx.store.set_stars(row["id"], stars)
    return {}


@route("public-paths/listing-cached")
async def pp_listing(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return [{"id": r["id"], "project_id": r["project_id"], "path": r["path"],
             "description": r["description"], "last_edited": r["last_edited"] or now_iso()}
            for r in ctx.store.public_paths() if not r["unlisted"]]  # fmt: skip
