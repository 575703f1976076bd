"""``/_emulator/faults``: script faults over HTTP, so a client in any language can test its
retries against ``cocalc-async serve``.

    POST   /_emulator/faults   {"endpoint": "v2/exec", "kind": "http_502", "times": 2}
    GET    /_emulator/faults   -> {"pending": 2, "injected": {"http_502": 0}}
    DELETE /_emulator/faults   -> clears every scripted fault

Every call needs ``Authorization: Bearer <admin token>``; the token is random per start and
printed by ``serve`` (``COCALC_EMULATOR_ADMIN_TOKEN=...``). It is not an API key: it cannot call
CoCalc endpoints, and API keys cannot call this.
"""

from __future__ import annotations

import json
import math
import secrets
from typing import Any

from aiohttp import web

from .context import Context
from .faults import FaultKind
from .safety import ADMIN_PREFIX

#: Where the start-up token lives on the app (read by ``Emulator.start``).
ADMIN_TOKEN: web.AppKey[str] = web.AppKey("cocalc_emulator_admin_token", str)
FAULTS_PATH = ADMIN_PREFIX + "faults"
#: The options ``Faults.add`` takes, and the JSON types each must have.
_OPTIONS: dict[str, tuple[type, ...]] = {
    "retry_after": (int, float),
    "delay": (int, float),
    "message": (str,),
    "status": (int,),
    "body": (str,),
    "content_type": (str,),
    "executes": (bool,),
}
MAX_TIMES = 1_000_000


class FaultSpecError(ValueError):
    """A fault description that ``Faults.add`` would not accept; the text says why."""


def fault_from_json(spec: Any) -> tuple[str, str, int, dict[str, Any]]:
    """``(endpoint, kind, times, options)`` from the admin endpoint's JSON body."""
    if not isinstance(spec, dict):
        raise FaultSpecError('the body must be an object like {"endpoint": ..., "kind": ...}')
    endpoint, kind, times = spec.get("endpoint"), spec.get("kind"), spec.get("times", 1)
    if not isinstance(endpoint, str) or not endpoint:
        raise FaultSpecError("endpoint must be a non-empty string, e.g. 'v2/exec' or 'v2/*'")
    kinds = ", ".join(k.value for k in FaultKind)
    if not isinstance(kind, str) or kind not in {k.value for k in FaultKind}:
        raise FaultSpecError(f"kind must be one of: {kinds}")
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES:
        raise FaultSpecError(f"times must be an integer from 1 to {MAX_TIMES}")
    opts: dict[str, Any] = {}
    for name, value in spec.items():
        if name in ("endpoint", "kind", "times"):
            continue
        allowed = _OPTIONS.get(name)
        if allowed is None:
            raise FaultSpecError(f"unknown option {name!r}; known: {', '.join(_OPTIONS)}")
        if bool in allowed:
            ok = isinstance(value, bool)
        else:  # JSON true is no number of seconds
            ok = isinstance(value, allowed) and not isinstance(value, bool)
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise FaultSpecError(f"option {name!r} has the wrong type: {value!r}")
        if name in ("retry_after", "delay") and not 0 <= value <= 3600:
            raise FaultSpecError(f"option {name!r} must be between 0 and 3600 seconds")
        opts[name] = value
    return endpoint, kind, times, opts


def _answer(obj: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(obj), content_type="application/json")


def register(app: web.Application, ctx: Context) -> None:
    token = secrets.token_urlsafe(24)
    app[ADMIN_TOKEN] = token

    def authorised(request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())

    async def faults(request: web.Request) -> web.StreamResponse:
        if not authorised(request):
            return _answer({"error": "the admin endpoint needs Authorization: Bearer <token>"}, 401)
        if request.method == "GET":
            return _answer({"pending": ctx.faults.pending(), "injected": dict(ctx.faults.injected)})
        if request.method == "DELETE":
            ctx.faults.clear()
            return _answer({"pending": 0})
        try:
            spec = json.loads(await request.read())
            endpoint, kind, times, opts = fault_from_json(spec)
        except (ValueError, UnicodeDecodeError) as err:
            return _answer({"error": str(err) if isinstance(err, FaultSpecError) else
                            "the body must be JSON"}, 400)  # fmt: skip
        ctx.faults.add(endpoint, kind, times, **opts)
        return _answer({"added": {"endpoint": endpoint, "kind": kind, "times": times, **opts},
                        "pending": ctx.faults.pending()})  # fmt: skip

    for method in ("GET", "POST", "DELETE"):
        app.router.add_route(method, FAULTS_PATH, faults)
