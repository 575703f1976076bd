"""Small replies that belong to no bigger family: ping, messages, Stripe and license lookups."""

from __future__ import annotations

from datetime import datetime

import attrs

from .._types import Json, JsonObject


@attrs.frozen
class Pong:
    """v1 ``pong``: the server's clock."""

    now: datetime


@attrs.frozen
class ConatPong:
    """conat ``system.ping``: the server's clock (the bridge sends ms since the epoch)."""

    now: datetime


@attrs.frozen
class PurchaseLicenseResponse:
    """v1 ``purchase_license_resp``."""

    resp: Json = None


@attrs.frozen
class StripeCharges:
    charges: Json = None


@attrs.frozen
class StripeCoupon:
    coupon: Json = None


@attrs.frozen
class StripeCustomer:
    customer: Json = None
    stripe_publishable_key: str | None = None


@attrs.frozen
class StripeInvoices:
    invoices: Json = None


@attrs.frozen
class StripePlans:
    plans: Json = None


@attrs.frozen
class StripeSubscriptions:
    subscriptions: Json = None


@attrs.frozen
class DiskNameAvailable:
    """v2 ``licenses/check-disk-name``."""

    available: bool


@attrs.frozen
class Messages:
    """v2 ``messages/get``."""

    messages: list[JsonObject]
    status: str | None = None


@attrs.frozen
class MessageSent:
    """v2 ``messages/send``: the new message's id."""

    id: int
    status: str | None = None
