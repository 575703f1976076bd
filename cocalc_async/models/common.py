"""Replies that say only "it worked"."""

from __future__ import annotations

import attrs


@attrs.frozen
class Success:
    """v1 ``{"event": "success", "id": ...}``; void Stripe handlers reply with only ``{"id"}``."""

    event: str | None = None
    id: str | None = None
    #: ``add_collaborator`` with a ``token_id`` names the project it joined.
    project_id: str | None = None


@attrs.frozen
class StatusResponse:
    """v2 ``{"status": "ok"}`` or ``{"status": "success"}``; older servers sent ``{}``."""

    status: str | None = None

    @property
    def ok(self) -> bool:
        """The server reports success (``{}`` counts: it is what old servers sent)."""
        return self.status in (None, "ok", "success")
