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
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger("cocalc_async.testing")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
