"""An embed session: a fresh ``user_auth`` token turned into a kiosk URL, with its expiry."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yarl import URL

from ._urls import app_url, kiosk_url, mask_token, normalize_project_id

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["AUTH_TOKEN_LIFETIME", "EmbedSession", "embed_session"]

#: How long a ``user_auth`` token signs in for (reference §4: 24 characters, 12 hours).
AUTH_TOKEN_LIFETIME = _dt.timedelta(hours=12)


@dataclass(frozen=True)
class EmbedSession:
    """A URL to put in an IFrame, and when it stops working.

    ``url`` holds a token that signs in as the account, so the repr masks it; pass the URL to
    the browser and nowhere else.
    """

    url: str
    expires_at: _dt.datetime

    def __repr__(self) -> str:
        return f"EmbedSession(url={mask_token(self.url)!r}, expires_at={self.expires_at!r})"

    def app_url(self) -> str:
        """The ``/app?auth_token=…`` URL with the same token, for the postMessage IFrame."""
        url = URL(self.url, encoded=True)
        prefix, sep, _ = url.raw_path.partition("/projects/")
        token = url.query.get("auth_token", "")
        if not sep or not token:
            raise ValueError("this session's url is not a kiosk URL with an auth_token")
        return app_url(url.with_path(prefix or "/", encoded=True).with_query(None), token)

    def expired(self, now: _dt.datetime | None = None) -> bool:
        """Whether the token has run out (``now`` defaults to the current UTC time)."""
        return (now or _dt.datetime.now(_dt.timezone.utc)) >= self.expires_at


async def embed_session(
    client: Client,
    account_id: str,
    password: str,
    project_id: str,
    path: str,
    *,
    session: str = "",
) -> EmbedSession:
    """Sign in as ``account_id`` with v1 ``user_auth`` and return a kiosk URL for ``path``.

    The project id and path are checked before anything is sent, so a typo costs no token.
    ``expires_at`` is measured from just before the request: the server's clock starts later,
    so the real expiry is never earlier than this one.

    Raises:
        ValueError: a malformed account id, project id or path.
        AuthenticationError, CoCalcAPIError: the server refused (e.g. a wrong password).
    """
    pid = normalize_project_id(project_id)
    # Validate the path too (with a placeholder token that never leaves this function).
    kiosk_url(client.base_url, pid, path, "placeholder", session=session)
    started = _dt.datetime.now(_dt.timezone.utc)
    # The generated call checks account_id as a UUID and refuses a reply without a token
    # (ResponseValidationError), so a URL is only ever built from a real token.
    reply = await client.v1.user_auth(account_id=account_id, password=password)
    token = reply.auth_token
    url = kiosk_url(client.base_url, pid, path, token, session=session)
    return EmbedSession(url=url, expires_at=started + AUTH_TOKEN_LIFETIME)
