"""Small replies that belong to no bigger family: ping, whoami, messages, Stripe and licenses."""

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
class ConatWhoAmI:
    """conat ``system.test``: whom the API key speaks for (``account_id`` on the hub bridge,
    ``project_id`` on the project bridge) and the server's clock."""

    account_id: str | None = None
    project_id: str | None = None
    server_time: datetime | None = None


@attrs.frozen
class Message:
    """One message of conat ``messages.get`` (CoCalc's ``MessageMe``)."""

    id: int
    from_id: str | None = None
    to_ids: list[str] = attrs.field(factory=list)
    subject: str = ""
    body: str = ""
    sent: datetime | None = None
    thread_id: int | None = None
    read: bool | None = None
    saved: bool | None = None
    starred: bool | None = None
    liked: bool | None = None
    deleted: bool | None = None
    expire: bool | None = None


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


@attrs.frozen
class FileUseTimes:
    """conat ``db.fileUseTimes``: when ``target_account_id`` opened/edited a file (ms)."""

    target_account_id: str
    access_times: list[float] | None = None
    edit_times: list[float | None] | None = None


@attrs.frozen
class LegacyTimeTravelInfo:
    """conat ``db.getLegacyTimeTravelInfo``: where a file's pre-2025 history is (``uuid`` is
    ``""`` when it has none)."""

    uuid: str
    users: list[str] | None = None
