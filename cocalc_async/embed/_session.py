"""An embed session: a fresh auth token turned into a sign-in URL, and the file to show after.

Today's CoCalc signs a browser in with ``GET {base}/auth/impersonate?auth_token=…``
(src/packages/server/hub/auth.ts:908 @5cb3315c30): it sets the sign-in cookie for 12 hours and
client-side-redirects to ``{base}/app``. The token comes from the conat hub call
``system.generateUserAuthToken`` (src/packages/server/auth/auth-token.ts:11 @5cb3315c30) and
lasts 24 hours. The impersonate page always lands on ``/app``, so showing one file takes two
steps: load :attr:`EmbedSession.sign_in_url`, then :attr:`EmbedSession.target_url`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from yarl import URL

from ..errors import ResponseValidationError
from ._urls import IMPERSONATE_PATH, kiosk_url, mask_token, normalize_project_id, sign_in_url

if TYPE_CHECKING:
    from .._generated.conat import Conat

__all__ = [
    "AUTH_TOKEN_LIFETIME",
    "SIGN_IN_LIFETIME",
    "EmbedSession",
    "TokenIssuer",
    "embed_session",
]


class TokenIssuer(Protocol):
    """What :func:`embed_session` needs of a client (``Client`` has it): the server's URL and
    the conat namespace whose ``system.generateUserAuthToken`` it calls."""

    @property
    def base_url(self) -> str: ...

    @property
    def conat(self) -> Conat: ...


#: How long a ``generateUserAuthToken`` token can be used to sign in (auth-token.ts:53: 24 h).
AUTH_TOKEN_LIFETIME = _dt.timedelta(hours=24)
#: How long the cookie set by ``/auth/impersonate`` keeps a browser signed in
#: (src/packages/server/auth/impersonate.ts:32 @5cb3315c30: maxAge 12 h).
SIGN_IN_LIFETIME = _dt.timedelta(hours=12)


def _without_token(url: str) -> str:
    parsed = URL(url, encoded=True)
    return str(parsed.with_query([(k, v) for k, v in parsed.query.items() if k != "auth_token"]))


@dataclass(frozen=True)
class EmbedSession:
    """A sign-in URL for an IFrame, the page to show once signed in, and when to renew.

    * ``url`` (also :attr:`sign_in_url`) holds the token, which signs in as the account, so the
      repr masks it; give it to the browser and nowhere else.
    * ``target_url`` is the kiosk URL of the file, without a token: open it in the IFrame once the
      sign-in URL has loaded (the sign-in cookie then does the work).
    * ``expires_at`` is when a browser that loads ``url`` right away loses its sign-in cookie
      (12 h, measured from before the token was requested): renew before it. The token itself
      can still sign in until ``token_expires_at`` (24 h), but a browser signed in late would
      hold a cookie that outlives the renewal schedule, so ``expires_at`` is the conservative one.
    """

    url: str
    expires_at: _dt.datetime
    target_url: str = ""
    token_expires_at: _dt.datetime | None = None

    def __repr__(self) -> str:
        return (
            f"EmbedSession(url={mask_token(self.url)!r}, target_url={mask_token(self.target_url)!r},"
            f" expires_at={self.expires_at!r})"
        )

    @property
    def sign_in_url(self) -> str:
        """The ``/auth/impersonate?auth_token=…`` URL (the same as ``url``)."""
        return self.url

    def app_url(self) -> str:
        """``{base}/app`` without a token: the app a signed-in IFrame shows for postMessage.

        The sign-in URL itself ends on this page, so an IFrame whose ``src`` is ``url`` needs no
        second step. Works on a legacy kiosk URL (``/projects/…?auth_token=…``) too.
        """
        parsed = URL(self.url, encoded=True)
        raw = parsed.raw_path
        if raw.endswith(IMPERSONATE_PATH):
            prefix = raw[: -len(IMPERSONATE_PATH)]
        else:
            prefix, sep, _ = raw.partition("/projects/")
            if not sep:
                raise ValueError("this session's url is neither a sign-in URL nor a kiosk URL")
        return str(parsed.with_path(f"{prefix}/app", encoded=True).with_query(None))

    def expired(self, now: _dt.datetime | None = None) -> bool:
        """Whether ``expires_at`` has passed (``now`` defaults to the current UTC time)."""
        return (now or _dt.datetime.now(_dt.timezone.utc)) >= self.expires_at


async def embed_session(
    client: TokenIssuer,
    account_id: str,
    password: str | None,
    project_id: str,
    path: str,
    *,
    session: str = "",
) -> EmbedSession:
    """Get a token for ``account_id`` from conat ``system.generateUserAuthToken`` and return
    the sign-in URL plus the kiosk URL of ``path``.

    A client whose key belongs to an admin may pass ``password=None``; anyone else must give
    the user's password. A wrong password makes CoCalc refuse this caller for that user for
    30 s (``banned -- please wait …``). The ids and the path are checked before anything is
    sent, so a typo costs no token and no ban.

    Raises:
        ValueError: a malformed account id, project id or path.
        APIResponseError: the server refused in its 200 answer (``incorrect password``,
            ``banned -- …``).
        ResponseValidationError: the reply was not a usable token.
    """
    if not isinstance(account_id, str):
        raise TypeError("account_id must be a str")
    try:
        user = normalize_project_id(account_id)
    except ValueError:
        raise ValueError("account_id must be a hyphenated UUID") from None
    pid = normalize_project_id(project_id)
    # Validate the path too (with a placeholder token that never leaves this function).
    target = _without_token(kiosk_url(client.base_url, pid, path, "placeholder", session=session))
    started = _dt.datetime.now(_dt.timezone.utc)
    system = client.conat.hub.system
    if password is None:
        token = await system.generate_user_auth_token(user_account_id=user)
    else:
        token = await system.generate_user_auth_token(user_account_id=user, password=password)
    try:
        url = sign_in_url(client.base_url, token)
    except ValueError:
        # The message never quotes the reply: it would be a token if it were one.
        raise ResponseValidationError(
            "system.generateUserAuthToken returned no usable token"
        ) from None
    return EmbedSession(
        url=url,
        expires_at=started + SIGN_IN_LIFETIME,
        target_url=target,
        token_expires_at=started + AUTH_TOKEN_LIFETIME,
    )
