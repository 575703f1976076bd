"""The v2 routes a current hub answers from its empty ledger and settings (``testing/v2_today.py``),
called through the SDK's ``Client.call``: each answer or error text is the recorded hub's."""

from __future__ import annotations

from typing import Any

import pytest

from cocalc_async.errors import CoCalcError

from .harness import Env, Key, case, family, run

_LIST = {"has_more": False, "data": [], "object": "list"}
#: path -> (params, the answer); the answers of recorded exchanges v2-purch-*, v2-bill-*,
#: v2-comp-*, v2sweep-* and friends of a fresh hub
ANSWERS: dict[str, tuple[dict[str, Any], Any]] = {
    "purchases/get-balance": ({}, 0),
    "purchases/get-min-balance": ({}, 0),
    "purchases/get-spend-rate": ({}, 0),
    "purchases/get-quotas": ({}, {"services": {}, "minBalance": 0}),
    "purchases/get-purchases": ({"limit": 5}, {"purchases": [], "balance": 0}),
    "purchases/get-stripe-publishable-key": ({}, {"stripe_publishable_key": ""}),
    "purchases/get-live-subscriptions": ({}, []),
    "purchases/get-subscriptions": ({}, []),
    "purchases/get-statements": ({"interval": "day"}, []),
    "purchases/get-unpaid-invoices": ({}, []),
    "purchases/get-cost-per-day": ({}, []),
    "purchases/get-charges-by-service": ({}, {}),
    "purchases/get-service-cost": ({"service": "credit"}, 2.5),
    "purchases/get-current-checkout-session": ({}, {"session": None}),
    "purchases/stripe/get-customer": ({}, {}),
    "purchases/stripe/get-open-payments": ({}, _LIST),
    "purchases/stripe/get-payment-methods": ({}, _LIST),
    "purchases/stripe/get-payments": ({}, _LIST),
    "billing/get-customer": ({}, {}),
    "billing/get-subscriptions": ({}, {}),
    "billing/get-invoices-and-receipts": ({}, {"data": []}),
    "compute/get-servers": ({}, []),
    "compute/get-servers-by-id": ({"ids": [999999]}, []),
    "compute/cloud-filesystem/get": ({}, []),
    "compute/is-dns-available": ({}, {"isAvailable": False}),
    "licenses/get-managed": ({}, []),
    "licenses/get-projects": ({}, []),
    "shopping/cart/get": ({}, []),
    "shopping/cart/recent-purchases": ({}, []),
    "vouchers/recent-vouchers": ({}, []),
    "news/list": ({}, []),
    "auth/sso-strategies": ({}, []),
    "auth/requires-token": ({}, False),
    "auth/has-password": ({}, {"hasPassword": True}),
    "file-access": ({}, {"files": []}),
    "projects/filename-search": ({"search": "x"}, []),
    "purchases/is-purchase-allowed": (
        {"service": "credit", "cost": 1},
        {
            "allowed": False,
            "reason": "must credit account with at least $2.50, but you're trying to credit -$1.00",
        },
    ),
}
#: path -> (params, the error text)
REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "billing/get-invoice": (
        {},
        "stripe publishable key is not set -- billing functionality not available",
    ),
    "billing/get-invoice-url": (
        {},
        "stripe publishable key is not set -- billing functionality not available",
    ),
    "compute/control": ({}, "NOT implemented yet"),
    # answered {"status": "error", "error": ...}: an error for the SDK too
    "bookmarks/get": ({}, "cannot handle type 'undefined'"),
    "compute/get-hyperstack-pricing-data": ({}, "Hyperstack not configured"),
    "compute/get-images": ({}, "fetch failed"),
    "compute/get-templates": ({}, "fetch failed"),
    "jupyter/kernels": ({}, "Jupyter API is not enabled on this server."),
    "licenses/check-disk-name": ({}, "name must be a string"),
    "licenses/get-license": ({}, "license_id or subscription_id must be specified"),
    "licenses/get-projects-with-license": ({}, "license_id must be a valid uuid"),
    "projects/public-path-license": ({}, "project_id must be a valid uuid"),
    "purchases/cost-to-resume-subscription": ({}, "no subscription with id=undefined"),
    "purchases/get-balance-admin": ({}, "only admins can use the get-balance-admin endpoint"),
    "purchases/get-purchases-admin": ({}, "only admins can use the get-purchases-admin endpoint"),
    "vouchers/get-voucher-codes": ({}, "no voucher with id undefined"),
    "projects/call": ({}, "callProject -- must specify project_id"),
    "auth/password-strength": ({"password": "abc"}, "Password must be at least 8 characters long"),
    "accounts/ban": (
        {"account_id": "99999999-8888-4777-8666-555555555555"},
        "only admins can ban users",
    ),
    "llm/evaluate": (
        {"input": "hi"},
        "There is a problem calling ollama-0. Please try another model, a different prompt, or"
        " try again later. Error: Google GenAI is not enabled.",
    ),
    "openai/chatgpt": (
        {"input": "hi"},
        "There is a problem calling ollama-0. Please try another model, a different prompt, or"
        " try again later. Error: Google GenAI is not enabled.",
    ),
    "accounts/get-email-address": (
        {"account_id": "99999999-8888-4777-8666-555555555555"},
        "you must be an admin or partner to get the email address of any account_id",
    ),
}
#: answers whose values depend on the day or the server's settings: only the shape is fixed
SHAPES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "customize": ({}, {"siteName", "isCommercial", "kucalc"}),
    "purchases/get-closing-dates": ({}, {"last", "next"}),
    "purchases/get-max-project-quotas": ({}, {"cores", "memory", "disk_quota"}),
    "purchases/get-prices-project-quotas": ({}, {"cores", "memory", "disk_quota"}),
    "purchases/get-shopping-cart-checkout-params": ({}, {"balance", "minPayment", "cart"}),
    "compute/google-cloud/get-pricing-data": ({}, {"machineTypes"}),
}


def _answer_case(path: str, params: dict[str, Any], want: Any) -> None:
    async def fn(env: Env) -> None:
        assert await env.client.call("v2", path, params) == want

    case("v2", path)(fn)


def _refusal_case(path: str, params: dict[str, Any], text: str) -> None:
    async def fn(env: Env) -> None:
        with pytest.raises(CoCalcError) as info:
            await env.client.call("v2", path, params)
        assert text in str(info.value)

    case("v2", path)(fn)


def _shape_case(path: str, params: dict[str, Any], keys: set[str]) -> None:
    async def fn(env: Env) -> None:
        out = await env.client.call("v2", path, params)
        assert isinstance(out, dict)
        assert keys <= set(out)

    case("v2", path)(fn)


for _path, (_params, _want) in ANSWERS.items():
    _answer_case(_path, _params, _want)
for _path, (_params, _text) in REFUSALS.items():
    _refusal_case(_path, _params, _text)
for _path, (_params, _keys) in SHAPES.items():
    _shape_case(_path, _params, _keys)

TODAY = sorted({*ANSWERS, *REFUSALS, *SHAPES})


@pytest.mark.parametrize("key", [k for k in family("v2") if k[1] in TODAY], ids=lambda k: k[1])
async def test_v2_today(key: Key) -> None:
    await run(key)
