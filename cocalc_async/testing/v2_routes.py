"""The v2 route table and the principal checks every v2 handler module uses.

``v2`` serves the routes and imports the handler modules (``v2_accounts``, ``v2_projects``,
``v2_today``) so that they register; they add to :data:`ROUTES` here, never to ``v2`` itself, so
no module imports one that imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .auth import AuthHeaderError, Principal
from .context import Context
from .replies import HandlerError

Handler = Callable[[Context, "Principal | None", dict[str, Any]], Awaitable[Any]]
ROUTES: dict[str, Handler] = {}


def route(path: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[path] = fn
        return fn

    return register


def signed_in(who: Principal | None, text: str = "must be signed in") -> Principal:
    if who is None:
        raise HandlerError(text)
    return who


def account_only(who: Principal | None, text: str = "must be signed in") -> Principal:
    """Endpoints that act on an account refuse project keys (account_id would be a project)."""
    who = signed_in(who, text)
    if who.project_id is not None:
        raise HandlerError(text)
    return who


def principal_of(ctx: Context, key: str | AuthHeaderError | None) -> Principal | None:
    if not isinstance(key, str):
        return None  # v2 swallows bad headers and bad keys: the caller is anonymous
    who = ctx.keys.resolve(key)
    if who is None or who.banned:
        return None
    return who
