"""v2 routes a current hub serves that answer from settings and the (empty) ledger: purchases,
billing, compute servers, jupyter, customize, news, licenses, shopping, vouchers, auth helpers.

The emulator has no money, no compute servers and no Jupyter pool, so each route answers what a
fresh hub with nothing configured answers for an account with no purchases: the recorded
exchanges (``v2-purch-*``, ``v2-bill-*``, ``v2-comp-*``, ``v2-jupyter-*``, ``v2-customize``,
``v2-news-list``, ...) and the handlers under ``src/packages/next/pages/api/v2/`` @5cb3315c30.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ._util import is_uuid
from .auth import Principal
from .context import Context
from .replies import HandlerError, Reply, compact
from .v2 import account_only, route, signed_in

#: ``MIN_PASSWORD_LENGTH`` / ``MAX_PASSWORD_LENGTH`` (src/packages/util/auth.ts:21 @5cb3315c30).
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 64
#: The smallest credit a purchase may add (recorded ``v2-purch-get-service-cost``: 2.5).
MIN_CREDIT = 2.5


def _empty(value: Any) -> Any:
    """A route that needs a signed-in account and answers ``value`` for a fresh one."""

    async def handler(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
        account_only(who)
        return value() if callable(value) else value

    return handler


# -- purchases/* (next/pages/api/v2/purchases/*.ts: each starts with "must be signed in") --------
for _path, _value in {
    "purchases/get-balance": 0,
    "purchases/get-min-balance": 0,
    "purchases/get-spend-rate": 0,
    "purchases/get-quotas": {"services": {}, "minBalance": 0},
    "purchases/get-stripe-publishable-key": {"stripe_publishable_key": ""},
    "purchases/get-live-subscriptions": [],
    "purchases/get-subscriptions": [],
    "purchases/get-statements": [],
    "purchases/get-unpaid-invoices": [],
    "purchases/get-cost-per-day": [],
    "purchases/get-charges-by-service": {},
    "purchases/get-max-project-quotas": {
        "network": 1,
        "member_host": 1,
        "always_running": 1,
        "cores": 3,
        "memory": 16000,
        "disk_quota": 15000,
    },
    "billing/get-customer": {},
    "billing/get-subscriptions": {},
    "billing/get-invoices-and-receipts": {"data": []},
    "licenses/get-managed": [],
    "shopping/cart/get": [],
    "vouchers/recent-vouchers": [],
}.items():
    route(_path)(_empty(_value))


@route("purchases/get-purchases")
async def get_purchases(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    return {"purchases": [], "balance": 0}


@route("purchases/get-closing-dates")
async def closing_dates(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """The statement period around today: a day of the month, the last one and the next one."""
    account_only(who)
    today = dt.datetime.now(dt.timezone.utc).date()
    day = 16  # the recorded hub's accounts close on the 16th (v2-purch-get-closing-dates)
    last = today.replace(day=day) if today.day >= day else _month_back(today.replace(day=day))
    nxt = _month_forward(last)

    def iso(d: dt.date) -> str:
        return f"{d.isoformat()}T00:00:00.000Z"

    return {"last": iso(last), "next": iso(nxt)}


def _month_back(d: dt.date) -> dt.date:
    return d.replace(year=d.year - 1, month=12) if d.month == 1 else d.replace(month=d.month - 1)


def _month_forward(d: dt.date) -> dt.date:
    return d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)


@route("purchases/get-service-cost")
async def service_cost(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    if p.get("service") == "credit":
        return MIN_CREDIT
    raise HandlerError(f"unknown service '{p.get('service')}'")


@route("purchases/is-purchase-allowed")
async def purchase_allowed(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    cost = p.get("cost")
    if p.get("service") == "credit" and isinstance(cost, (int, float)):
        # a credit is a negative cost; the recorded hub words it as "-$1.00" for cost 1
        if cost < MIN_CREDIT:
            return {
                "allowed": False,
                "reason": f"must credit account with at least ${MIN_CREDIT:.2f},"
                f" but you're trying to credit -${cost:.2f}",
            }
        return {"allowed": True}
    raise HandlerError(f"unknown service '{p.get('service')}'")


# -- compute servers (none exist; the image/template lists are fetched from cocalc.com) ---------


@route("compute/get-servers")
async def get_servers(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    return []


@route("compute/get-servers-by-id")
async def get_servers_by_id(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    return []


async def _fetch_failed(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    # the hub downloads these from the internet; offline (loopback only) fetch() fails
    raise HandlerError("fetch failed")


route("compute/get-images")(_fetch_failed)
route("compute/get-templates")(_fetch_failed)


# -- jupyter (no kernel pool is configured; a project's kernels come from the project) ----------


@route("jupyter/kernels")
async def jupyter_kernels(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    project_id = p.get("project_id")
    if project_id is None:
        raise HandlerError("Jupyter API is not enabled on this server.")
    if not is_uuid(project_id) or not ctx.is_collaborator(who, str(project_id)):
        raise HandlerError("user must be a collaborator on the project")
    return {"kernels": [], "success": True}


# -- public, no account needed -----------------------------------------------------------------


@route("customize")
async def customize(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """A few of the server settings the recorded hub sends (v2-customize), with no site name or
    commercial features configured."""
    return {
        "siteName": "Open CoCalc",
        "siteDescription": "Collaborative Calculation",
        "organizationName": "",
        "helpEmail": "",
        "isCommercial": False,
        "kucalc": "no",
        "anonymousSignup": False,
        "emailSignup": True,
        "shareServer": False,
        "landingPages": False,
        "stripePublishableKey": "",
        "openaiEnabled": False,
        "jupyterApiEnabled": False,
    }


async def _public_empty(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return []


route("news/list")(_public_empty)
route("auth/sso-strategies")(_public_empty)


@route("auth/requires-token")
async def requires_token(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return False  # no registration tokens are configured


@route("auth/password-strength")
async def password_strength(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """next/pages/api/v2/auth/password-strength.ts @5cb3315c30: length checks answer HTTP 400;
    the score is zxcvbn's, which the emulator approximates by length and character classes."""
    password = p.get("password")
    if not password or not isinstance(password, str):
        return compact({"error": "Password is required"}, 400)
    if len(password) < MIN_PASSWORD_LENGTH:
        return compact(
            {"error": f"Password must be at least {MIN_PASSWORD_LENGTH} characters long"}, 400
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return compact(
            {"error": f"Password must be at most {MAX_PASSWORD_LENGTH} characters long"}, 400
        )
    classes = sum(
        any(test(c) for c in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    score = max(0, min(4, len(password) // 4 + classes - 3))
    out: dict[str, Any] = {"score": score}
    if score <= 2:  # MIN_PASSWORD_STRENGTH in src/packages/util/auth.ts
        out["help"] = "Password is too weak. \n "
    return out


# -- accounts helpers ----------------------------------------------------------------------------


@route("accounts/get-email-address")
async def get_email_address(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """accounts/get-email-address.ts:30-45: only admins and partners may ask."""
    account_id = p.get("account_id")
    if account_id is None:
        return {}
    if who is None or not ctx.store.is_admin(who.account_id):
        raise HandlerError(
            "you must be an admin or partner to get the email address of any account_id"
        )
    row = ctx.store.account(str(account_id)) if is_uuid(account_id) else None
    return {"email_address": row["email_address"]} if row is not None else {}


@route("accounts/ban")
async def ban(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """accounts/ban.ts:27-38."""
    me = signed_in(who)
    if not ctx.store.is_admin(me.account_id):
        raise HandlerError("only admins can ban users")
    account_id = p.get("account_id")
    if is_uuid(account_id) and ctx.store.account(str(account_id)) is not None:
        ctx.store.set_banned(str(account_id), True)
        ctx.keys.invalidate()
    return {"status": "success"}


def index_page() -> Reply:
    """``/api/v2`` itself: next-rest-framework's API documentation page (recorded ``v2-index``)."""
    page = (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="utf-8" />\n'
        '    <title>CoCalc API</title>\n  </head>\n  <body><div id="root"></div></body>\n</html>\n'
    )
    return Reply(200, page.encode(), "text/html")
