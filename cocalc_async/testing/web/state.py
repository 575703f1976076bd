"""What the web pages remember: browser sessions (the sign-in cookie) and the sign-in throttle.

Sessions live in memory, one table per running emulator: a browser that signed in with an auth
token or a password gets a random cookie, and the cookie names the account until the emulator
stops. The embed allow-list is read from the emulator's settings (``embed_origins``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from aiohttp import web

from .signin_throttle import SignInThrottle

if TYPE_CHECKING:
    from ..context import Context

#: The cookie's name, as CoCalc's own sign-in cookie.
COOKIE = "remember_me"
#: Who may talk to ``/app`` with postMessage when the emulator's settings do not say: pages on
#: this machine's loopback, any port (``:*``). Real CoCalc allows specific domains only.
DEFAULT_ORIGINS: tuple[str, ...] = ("http://127.0.0.1:*", "http://localhost:*")


class WebState:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.throttle = SignInThrottle()
        self._sessions: dict[str, str] = {}

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        # getattr: the setting is optional, so the pages work with any emulator Settings.
        value = getattr(self.ctx.settings, "embed_origins", None)
        return DEFAULT_ORIGINS if value is None else tuple(value)

    def sign_in(
        self, response: web.StreamResponse, account_id: str, *, max_age: int | None = None
    ) -> None:
        """Start a browser session for ``account_id`` by setting the cookie on ``response``
        (a session cookie, or one that lasts ``max_age`` seconds)."""
        cookie = secrets.token_urlsafe(24)
        self._sessions[cookie] = account_id
        # Lax: the IFrame and its parent page are the same site (same host), so it is sent.
        response.set_cookie(
            COOKIE, cookie, httponly=True, samesite="Lax", path="/", max_age=max_age
        )

    def account_of(self, request: web.Request) -> str | None:
        """The signed-in account of this browser, if its account still exists and is not banned."""
        cookie = request.cookies.get(COOKIE)
        account_id = self._sessions.get(cookie) if cookie else None
        if account_id is None:
            return None
        row = self.ctx.store.account(account_id)
        if row is None or row["banned"]:
            return None
        return account_id

    def may_read(self, account_id: str, project_id: str) -> bool:
        store = self.ctx.store
        project = store.project(project_id)
        if project is None or project["deleted"]:
            return False
        return store.is_collaborator(account_id, project_id) or store.is_admin(account_id)


STATE_KEY = web.AppKey("cocalc_embed_web_state", WebState)
