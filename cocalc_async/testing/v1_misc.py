"""The v1 endpoints around the edges: support tickets, the client error log, upgrades, syncdoc
history, and the families the emulator does not run (Stripe, licenses, Jupyter, LLMs), which
answer the way a server without those services does."""

from __future__ import annotations

import json
from typing import Any

from .auth import Principal
from .context import Context
from .replies import HandlerError
from .v1_handlers import SUCCESS, handler


@handler("create_support_ticket")
async def create_ticket(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    ticket = ctx.store.add_ticket(
        who.account_id, str(p["email_address"]), str(p["subject"]), str(p["body"])
    )
    return {
        "event": "support_ticket_url",
        "url": f"https://support.example.invalid/requests/{ticket}",
    }


@handler("get_support_tickets")
async def get_tickets(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    tickets = [
        {"id": r["id"], "subject": r["subject"], "description": r["body"], "created_at": r["created_at"],
         "updated_at": r["updated_at"], "status": r["status"],
         "url": f"https://support.example.invalid/requests/{r['id']}"}
        for r in ctx.store.tickets(who.account_id)
    ]  # fmt: skip
    return {"event": "support_tickets", "tickets": tickets}


@handler("log_client_error")
async def log_client_error(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    error = p["error"]
    ctx.store.log_client_error(
        who.account_id, error if isinstance(error, str) else json.dumps(error)
    )
    return dict(SUCCESS)


@handler("get_available_upgrades")
async def available_upgrades(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    return {"event": "available_upgrades", "total": {}, "excess": {}, "available": {}}


@handler("get_syncdoc_history")
async def syncdoc_history(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    return {"event": "syncdoc_history", "history": []}


async def _not_configured(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    raise HandlerError("stripe billing not configured")


async def _deprecated(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    raise HandlerError("DEPRECATED")


async def _not_available(ctx: Context, who: Principal, p: dict[str, Any]) -> dict[str, Any]:
    raise HandlerError("not available: the emulator does not run this service")


for _name in ("stripe_cancel_subscription", "stripe_create_source", "stripe_create_subscription",
              "stripe_delete_source", "stripe_get_charges", "stripe_get_coupon",
              "stripe_get_customer", "stripe_get_invoices", "stripe_get_plans",
              "stripe_get_subscriptions", "stripe_set_default_source", "stripe_update_source",
              "stripe_update_subscription", "purchase_license"):  # fmt: skip
    handler(_name)(_not_configured)
for _name in ("openai_embeddings_remove", "openai_embeddings_save", "openai_embeddings_search"):
    handler(_name)(_deprecated)
for _name in ("jupyter_execute", "jupyter_kernels", "chatgpt", "add_license_to_project",
              "remove_license_from_project"):  # fmt: skip
    handler(_name)(_not_available)
