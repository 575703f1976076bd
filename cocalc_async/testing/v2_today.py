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
from .v2_routes import account_only, route, signed_in

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
    "purchases/get-current-checkout-session": {"session": None},
    "purchases/get-prices-project-quotas": {
        "cores": 32,
        "memory": 4,
        "disk_quota": 0.25,
        "member_host": 4,
    },
    "purchases/get-shopping-cart-checkout-params": {
        "balance": 0,
        "minPayment": 2.5,
        "minBalance": 0,
        "amountDue": 0,
        "chargeAmount": 0,
        "total": 0,
        "cart": [],
        "minimumPaymentCharge": 0,
        "cureAmount": 0,
    },
    "purchases/stripe/get-customer": {},
    "purchases/stripe/get-open-payments": {"has_more": False, "data": [], "object": "list"},
    "purchases/stripe/get-payment-methods": {"has_more": False, "data": [], "object": "list"},
    "purchases/stripe/get-payments": {"has_more": False, "data": [], "object": "list"},
    "shopping/cart/recent-purchases": [],
    "compute/cloud-filesystem/get": [],
    "compute/is-dns-available": {"isAvailable": False},
    "licenses/get-projects": [],
    "projects/filename-search": [],
    "file-access": {"files": []},
}.items():
    route(_path)(_empty(_value))


@route("purchases/get-statements")
async def get_statements(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    if p.get("interval") not in ("day", "month"):
        raise HandlerError("interval must be 'day' or 'month'")
    return []


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
    if p.get("service") is None:
        raise HandlerError("Cannot read properties of undefined (reading 'startsWith')")
    if p.get("service") == "credit":
        return MIN_CREDIT
    raise HandlerError(f"unknown service '{p.get('service')}'")


#: The services a purchase may be for, in CoCalc's order (recorded
#: ``v2sweep-purchases-is-purchase-allowed``; src/packages/util/db-schema/purchase-quotas.ts).
SERVICES = (
    "credit, auto-credit, refund, compute-server, compute-server-network-usage,"
    " compute-server-storage, license, edit-license, voucher, openai-gpt-4, openai-gpt-3.5-turbo,"
    " openai-gpt-3.5-turbo-16k, openai-text-embedding-ada-002, openai-gpt-4-32k,"
    " openai-gpt-4-turbo-preview, openai-gpt-4-turbo-preview-8k, openai-gpt-4-turbo,"
    " openai-gpt-4-turbo-8k, openai-gpt-4o, openai-gpt-4o-8k, openai-gpt-4o-mini,"
    " openai-gpt-4o-mini-8k, openai-gpt-4.1, openai-gpt-4.1-mini, openai-o1-mini-8k, openai-o1-8k,"
    " openai-o1-mini, openai-o1, openai-o3-8k, openai-o3, openai-o4-mini-8k, openai-o4-mini,"
    " openai-gpt-5-8k, openai-gpt-5, openai-gpt-5.2-8k, openai-gpt-5.2, openai-gpt-5.5,"
    " openai-gpt-5.4-8k, openai-gpt-5.4, openai-gpt-5-mini-8k, openai-gpt-5-mini,"
    " openai-gpt-5.4-mini-8k, openai-gpt-5.4-mini, google-text-bison-001, google-chat-bison-001,"
    " google-embedding-gecko-001, google-gemini-1.5-flash, google-gemini-1.5-flash-8k,"
    " google-gemini-pro, google-gemini-1.0-ultra, google-gemini-1.5-pro-8k, google-gemini-1.5-pro,"
    " google-gemini-2.0-flash-8k, google-gemini-2.0-flash-lite-8k, google-gemini-2.5-flash-8k,"
    " google-gemini-2.5-pro-8k, google-gemini-3-flash-preview-16k, google-gemini-3-pro-preview-8k,"
    " google-gemini-3.1-pro-preview-8k, xai-grok-4-1-fast-non-reasoning-16k,"
    " xai-grok-4-1-fast-reasoning-16k, xai-grok-code-fast-1-16k, zai-glm-5.1,"
    " anthropic-claude-3-opus, anthropic-claude-3-opus-8k, anthropic-claude-3-sonnet,"
    " anthropic-claude-3-sonnet-4k, anthropic-claude-3-5-sonnet, anthropic-claude-3-5-sonnet-4k,"
    " anthropic-claude-3-haiku, anthropic-claude-3-haiku-8k, anthropic-claude-3-5-haiku-8k,"
    " anthropic-claude-4-sonnet-8k, anthropic-claude-4-opus-8k, anthropic-claude-4-5-sonnet-8k,"
    " anthropic-claude-4-6-sonnet-8k, anthropic-claude-4-5-opus-8k, anthropic-claude-4-6-opus-8k,"
    " anthropic-claude-4-7-opus-8k, anthropic-claude-4-5-haiku-8k, mistralai-mistral-small-latest,"
    " mistralai-mistral-medium-latest, mistralai-mistral-large-latest,"
    " mistralai-devstral-medium-2507, project-upgrade"
)


@route("purchases/is-purchase-allowed")
async def purchase_allowed(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    service = p.get("service")
    if service is None or str(service) not in SERVICES.split(", "):
        shown = "undefined" if service is None else service
        reason = f'unknown service "{shown}". The valid services are: {SERVICES}'
        return {"allowed": False, "reason": reason}
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


def _refuse(text: str) -> Any:
    """A route whose handler refuses this call with ``text`` (recorded ``v2sweep-*``)."""

    async def handler(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
        account_only(who)
        raise HandlerError(text)

    return handler


_NO_STRIPE = "stripe publishable key is not set -- billing functionality not available"
route("billing/get-invoice")(_refuse(_NO_STRIPE))
route("billing/get-invoice-url")(_refuse(_NO_STRIPE))
route("compute/control")(_refuse("NOT implemented yet"))  # compute/control.ts:23
# no LLM is configured: the default model is tried and its vendor is off (recorded v2sweep-llm-*)
_NO_LLM = (
    "There is a problem calling ollama-0. Please try another model, a different prompt, or try"
    " again later. Error: Google GenAI is not enabled."
)
route("llm/evaluate")(_refuse(_NO_LLM))
route("openai/chatgpt")(_refuse(_NO_LLM))
route("compute/get-hyperstack-pricing-data")(_refuse("Hyperstack not configured"))


@route("purchases/get-balance-admin")
async def balance_admin(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    if not ctx.store.is_admin(me.account_id):
        raise HandlerError("only admins can use the get-balance-admin endpoint")
    return 0


@route("purchases/get-purchases-admin")
async def purchases_admin(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    if not ctx.store.is_admin(me.account_id):
        raise HandlerError("only admins can use the get-purchases-admin endpoint")
    return {"purchases": [], "balance": 0}


@route("purchases/cost-to-resume-subscription")
async def cost_to_resume(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    raise HandlerError(f"no subscription with id={_js(p.get('subscription_id'))}")


@route("vouchers/get-voucher-codes")
async def voucher_codes(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    raise HandlerError(f"no voucher with id {_js(p.get('id'))}")


@route("licenses/check-disk-name")
async def check_disk_name(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    if not isinstance(p.get("name"), str):
        raise HandlerError("name must be a string")
    return {"available": True}


@route("licenses/get-license")
async def get_license(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    if p.get("license_id") is None and p.get("subscription_id") is None:
        raise HandlerError("license_id or subscription_id must be specified")
    raise HandlerError(f"no license with id {_js(p.get('license_id'))}")


@route("licenses/get-projects-with-license")
async def projects_with_license(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    if not is_uuid(p.get("license_id")):
        raise HandlerError("license_id must be a valid uuid")
    return []


@route("projects/public-path-license")
async def public_path_license(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    if not is_uuid(p.get("project_id")):
        raise HandlerError("project_id must be a valid uuid")
    return {"license_id": ""}


@route("bookmarks/get")
async def bookmarks_get(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    account_only(who)
    return {"status": "error", "error": f"cannot handle type '{_js(p.get('type'))}'"}


@route("auth/has-password")
async def has_password(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    me = account_only(who)
    row = ctx.store.account(me.account_id)
    return {"hasPassword": bool(row is not None and row["password_hash"])}


@route("projects/call")
async def call_project(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    """next/pages/api/v2/projects/call.ts -> server/projects/call.ts:10-24 @5cb3315c30; the
    message itself goes to the project's old message handler, which the emulator lacks."""
    if who is None:
        raise HandlerError("callProject -- user must be authenticated (no account_id specified)")
    project_id = p.get("project_id")
    if not is_uuid(project_id):
        raise HandlerError("callProject -- must specify project_id")
    if not ctx.is_collaborator(who, str(project_id)):
        raise HandlerError(
            "callProject -- authenticated user must be a collaborator on the project"
        )
    raise HandlerError("the CoCalc emulator's projects answer no hub messages")


@route("compute/google-cloud/get-pricing-data")
async def google_pricing(ctx: Context, who: Principal | None, p: dict[str, Any]) -> Any:
    return {"machineTypes": {}, "disks": {}, "accelerators": {}, "zones": {}}


def _js(value: Any) -> str:
    return "undefined" if value is None else str(value)


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
