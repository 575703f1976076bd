"""Support tickets."""

from __future__ import annotations

import attrs

from .._types import Json


@attrs.frozen
class SupportTicketUrl:
    """v1 ``support_ticket_url`` and v2 ``support/create-ticket``."""

    url: str


@attrs.frozen
class SupportTicket:
    id: Json = None
    subject: str | None = None
    description: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    status: str | None = None
    url: str | None = None


@attrs.frozen
class SupportTickets:
    tickets: list[SupportTicket]
