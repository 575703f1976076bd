"""Conat hub ``system.*`` besides ping and test (src/packages/server/conat/api/system.ts
@5cb3315c30). The bridge prefixes ``Error: `` to every text raised here."""

from __future__ import annotations

import json
import time
import weakref
from typing import Any

from ._util import is_uuid, new_uuid
from .accounts import manage_api_keys, user_search
from .auth import Principal
from .conat_data import CUSTOMIZE
from .conat_registry import RAW_ARGS, BareError, hub
from .context import Context
from .replies import HandlerError

#: generateUserAuthToken bans a caller for this long after a wrong password
#: (src/packages/server/auth/auth-token.ts:8 @5cb3315c30).
AUTH_TOKEN_BAN_S = 30.0
RAW_ARGS.update({"system.getCustomize", "system.revokeUserAuthToken"})
_BANS: weakref.WeakKeyDictionary[Context, dict[tuple[str, str], float]] = (
    weakref.WeakKeyDictionary()
)


def _admin(ctx: Context, who: Principal) -> bool:
    return ctx.store.is_admin(who.account_id)


@hub("system.getCustomize")
async def get_customize(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``getCustomize(fields?)``: the site's public settings, or only the named ones."""
    args = a["args"]
    fields = args[0] if args else None
    if isinstance(fields, list):
        return {k: CUSTOMIZE[k] for k in fields if isinstance(k, str) and k in CUSTOMIZE}
    return CUSTOMIZE


@hub("system.terminate")
async def terminate(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """Answered by the hub's message loop itself, so without ``Error: ``
    (src/packages/server/conat/api/index.ts:113-139). The emulator keeps serving."""
    if not _admin(ctx, who):
        raise BareError("only admin can terminate")
    service = a.get("service")
    if service in ("changefeeds", "persist", "api"):
        return {"status": "terminated", "service": service}
    raise BareError(f"Unknown service {service if service is not None else 'undefined'}")


@hub("system.userTracking")
async def user_tracking(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    return None  # recorded in the hub's user_tracking table, which nothing here reads


@hub("system.logClientError")
async def log_client_error(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    ctx.store.log_client_error(who.account_id, json.dumps({"event": a.get("event"),
                                                            "error": a.get("error")}))  # fmt: skip
    return None


@hub("system.webappError")
async def webapp_error(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    ctx.store.log_client_error(who.account_id, json.dumps({"webapp_error": a}, default=str))
    return None


@hub("system.manageApiKeys")
async def manage_keys(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    return manage_api_keys(
        ctx, who.account_id, a.get("action"), a.get("project_id"), a.get("name"),
        a.get("expire"), a.get("id"),
    )  # fmt: skip


@hub("system.generateUserAuthToken")
async def generate_user_auth_token(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """An admin gets a token for anyone; others must give that user's password, and a wrong
    one bans them from asking for that user for 30 s (auth-token.ts:10-44). The ban text keeps
    CoCalc's un-interpolated ``#{BAN_TIME_MS/1000}``."""
    user = a.get("user_account_id")
    bans = _BANS.setdefault(ctx, {})
    banned_at = bans.get((who.account_id, str(user)))
    if banned_at is not None and time.monotonic() - banned_at < AUTH_TOKEN_BAN_S:
        raise HandlerError(
            "banned -- please wait at least #{BAN_TIME_MS/1000}s before trying again"
        )
    if not _admin(ctx, who):
        ok = is_uuid(user) and ctx.store.check_password(str(user), str(a.get("password") or ""))
        if not ok:
            bans[(who.account_id, str(user))] = time.monotonic()
            raise HandlerError("incorrect password")
    if not is_uuid(user):
        raise HandlerError(f'invalid input syntax for type uuid: "{user}"')
    # createAuthTokenNoCheck's default expiry: 24 h (auth-token.ts:53), not v1's 12 h.
    return ctx.store.create_auth_token(str(user), ttl_s=24 * 3600)


@hub("system.revokeUserAuthToken")
async def revoke_user_auth_token(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``revokeUserAuthToken(authToken)``: positional, and no check of who made it."""
    args = a["args"]
    if args and isinstance(args[0], str):
        ctx.store.expire_auth_token(args[0])
    return None


@hub("system.userSearch")
async def search(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """system.ts:67-92: non-admins are capped at 50 hits; ``admin: true`` needs an admin."""
    if a.get("admin") and not _admin(ctx, who):
        raise HandlerError("Must be an admin to do admin search.")
    return user_search(
        ctx, a.get("query"), a.get("limit"), bool(a.get("admin")), bool(a.get("only_email"))
    )


@hub("system.getNames")
async def get_names(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``getNames(account_ids)``: ``{id: {first_name, last_name, profile}}`` for the ids that
    exist (recorded: hub-get-names; src/packages/server/accounts/get-name.ts:70-77)."""
    ids = a.get("account_ids")
    if not isinstance(ids, list):
        raise HandlerError("TypeError: account_ids is not iterable")
    for account_id in ids:
        if not is_uuid(account_id):
            # the query casts the list to UUID[]; node-postgres names its errors "error"
            raise BareError(f'error: invalid input syntax for type uuid: "{account_id}"')
    out: dict[str, Any] = {}
    for account_id in ids:
        row = ctx.store.account(account_id)
        if row is not None:
            out[account_id] = {"first_name": row["first_name"], "last_name": row["last_name"],
                               "profile": None}  # fmt: skip
        else:
            # get-name.ts:58-64: unknown ids are deleted accounts (recorded: hubfn-getNames)
            out[account_id] = {"first_name": "Deleted", "last_name": "User"}
    return out


@hub("system.adminResetPasswordLink")
async def admin_reset_password_link(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    if not _admin(ctx, who):
        raise HandlerError("must be an admin")
    user = a.get("user_account_id")
    row = ctx.store.account(str(user)) if is_uuid(user) else None
    if row is None or not row["email_address"]:
        raise HandlerError("passwords are only defined for accounts with email")
    return f"/auth/password-reset/{new_uuid()}"


@hub("system.sendEmailVerification")
async def send_email_verification(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """With no email backend the hub 'sends' and succeeds (server/hub/email.ts:563-579)."""
    return None


@hub("system.deletePassport")
async def delete_passport(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """No SSO strategy is configured, so none is blocked and there is no passport to drop."""
    return None


@hub("system.adminSalesloftSync")
async def admin_salesloft_sync(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    if not _admin(ctx, who):
        raise HandlerError("must be an admin")
    return None  # the sync runs in the background and is not awaited


@hub("system.userSalesloftSync")
async def user_salesloft_sync(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    return None  # no Salesloft key: every record fails quietly (server/salesloft/sync.ts)
