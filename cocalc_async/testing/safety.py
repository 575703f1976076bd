"""The emulator never answers 500 by accident: a middleware turns any unexpected exception into
the hub's own error form for that API and logs it with its traceback.

A real hub answers a handler that throws in its API's usual shape: v2 routes and the conat
bridge catch and send ``res.json({error: err.message})`` (HTTP 200), the v1 message API sent
``{"error": ...}`` with HTTP 400. Tests of a client's error handling must see those shapes, not
aiohttp's HTML 500 page with a traceback, whatever malformed input they send (wrong JSON types,
huge numbers, NaN, non-UTF-8 bytes). Deliberate 500s (``emu.faults``) are replies, not
exceptions, so they pass through untouched.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware

from .auth import AuthHeaderError, parse_authorization

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("cocalc_async.testing")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Paths of the emulator's own admin endpoints (``admin.py``), outside every CoCalc API.
ADMIN_PREFIX = "/_emulator/"
#: How much of an exception's text goes into the answer: enough to debug, never a traceback.
MAX_TEXT = 300


def error_text(err: BaseException) -> str:
    """``TypeName: message``, short and on one line, as a thrown JS Error's message reads."""
    text = f"{type(err).__name__}: {err}".replace("\n", " ")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def hub_error(path: str, text: str) -> web.Response:
    """The hub's error answer for an API path (see the module doc)."""
    if path.startswith("/api/v1/"):
        body = json.dumps({"error": text}, indent=2, ensure_ascii=False)
        return web.Response(status=400, text=body, content_type="application/json")
    if path.startswith(("/api/v2/", "/api/conat/")):
        body = json.dumps({"error": text}, separators=(",", ":"), ensure_ascii=False)
        return web.Response(status=200, text=body, content_type="application/json")
    return web.Response(status=400, text=f"Bad Request: {text}", content_type="text/plain")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (web.HTTPException, asyncio.CancelledError):
        raise  # aiohttp's own answers (404, 405, 413) and cancellation keep their meaning
    except Exception as err:  # the point: nothing unexpected becomes a 500
        # the path only, never headers or body: a request may carry a key or a password
        log.exception("emulator: unexpected error answering %s %s", request.method, request.path)
        return hub_error(request.path, error_text(err))


# -- binding beyond loopback ----------------------------------------------------------------------


class RemoteBindError(ValueError):
    """Binding a non-loopback address without ``allow_remote=True`` (``--allow-remote``)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback address unless remote access was asked for explicitly: the
    emulator runs shell commands for whoever holds a key."""
    if is_loopback(host) or allow_remote:
        return
    raise RemoteBindError(
        f"refusing to bind {host!r}: the CoCalc emulator runs shell commands for any caller with"
        " a key, so it listens on loopback only. To expose it anyway pass --allow-remote"
        " (Emulator(host=..., allow_remote=True)); every request must then carry an API key."
    )


#: The answer to a request without a valid key when the emulator is reachable remotely.
KEY_REQUIRED = (
    "this CoCalc emulator is reachable from other machines, so every request needs a valid"
    " API key (Authorization: Basic or Bearer)"
)


def key_required_middleware(ctx: Context) -> Middleware:
    """With ``allow_remote``, no anonymous request is served: not the v2 routes a real hub
    answers without a key, not sign-up, not the web pages. The admin endpoint has its own
    token and is exempt."""

    @web.middleware
    async def require_key(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        try:
            key = parse_authorization(request.headers.get("Authorization"))
        except AuthHeaderError:
            key = None
        who = ctx.keys.resolve(key) if key else None
        if who is None or who.banned:
            body = json.dumps({"error": KEY_REQUIRED}, separators=(",", ":"))
            return web.Response(status=401, text=body, content_type="application/json")
        return await handler(request)

    return require_key
