"""API v1, served only with ``Emulator(v1=True)``: POST only, every call needs a valid key,
strict ``misc.defaults`` parameter checking, pretty-printed replies that echo ``id``. The events
and their fields come from the contract (message.js at 2db78fc4f7 and 72a8eed725).

The order of checks is the real one: header, endpoint, parameters, then the key.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from . import (
    dispatch,
    v1_misc,  # noqa: F401  (registers the remaining handlers)
)
from .auth import AuthHeaderError, parse_authorization
from .context import Context
from .contract import ParamInfo, v1_defined_events, v1_definition, v1_schema
from .replies import HandlerError, Reply, next_404, pretty
from .request_log import RecordedRequest
from .v1_handlers import HANDLERS

#: ``revoke_auth_token`` lost HTTP access on 2019-05-13 (c3b48d04c8) and by 2021 its definition
#: sat in a comment block of message.js, so the hub answered as for any non-API message.
NOT_HTTP_EXTRA = frozenset({"revoke_auth_token"})
#: API events with no ``mesg_<event>`` handler in the hub (hub/client.coffee @2db78fc4f7):
#: the hub's dispatcher answers "unknown message event type".
NO_HANDLER = frozenset({"jupyter_start_pool"})


def not_http(event: str) -> bool:
    """Defined in message.js but not marked ``API(...)`` (a reply message or an internal one)."""
    return event in NOT_HTTP_EXTRA or (event in v1_defined_events() and v1_schema(event) is None)


REQUIRED = "__!!!!!!this is a required property!!!!!!__"


def _to_json(obj: Any) -> str:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 1024 else text[:1023] + "…"


def _schema_obj(event: str, schema: tuple[ParamInfo, ...]) -> dict[str, Any]:
    """The message object misc.defaults checks against, as JSON shows it: the fields' init
    values (undefined ones vanish), and ``event``, first for a ``message({...})`` literal and
    last for a ``message2`` definition, whose fields are mapped before ``event`` is set
    (util/message.js:104-150 @72a8eed725)."""
    fields = {
        p.name: REQUIRED if p.required else p.default
        for p in schema
        if p.required or p.default is not None
    }
    if v1_definition(event) == "message2":
        return {**fields, "event": event}
    return {"event": event, **fields}


def check_params(event: str, body: dict[str, Any], schema: tuple[ParamInfo, ...]) -> dict[str, Any]:
    """``misc.defaults(body, schema, allow_extra=false, strict=true)`` (util/opts.js:109-180
    @2db78fc4f7): the fields in definition order first (a missing required one fails), then the
    unexpected keys; raises ValueError with the text the hub wraps in ``invalid parameters``."""
    obj2 = _schema_obj(event, schema)
    if "event" in body:
        # JSON.stringify, untruncated (util/message.js:112-117)
        raise ValueError(
            "Error: ValueError: must not define 'event' when calling message creation function"
            f" (opts={_stringify(body)}, obj={_stringify(obj2)})"
        )
    context = f"(obj1={_to_json(body)}, obj2={_to_json(obj2)})"
    out: dict[str, Any] = {}
    for p in schema:
        value = body.get(p.name)
        if value is not None:  # null counts as "not given"
            out[p.name] = value
        elif p.required:
            raise ValueError(
                f"Error: misc.defaults -- TypeError: property '{p.name}' must be specified: {context}"
            )
        elif p.default is not None:
            out[p.name] = p.default
    names = {p.name for p in schema}
    for k in body:
        if k not in names:
            raise ValueError(
                f"Error: misc.defaults -- TypeError: got an unexpected argument '{k}' {context}"
            )
    return out


def _stringify(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _bad(text: str) -> Reply:
    return pretty({"error": text}, 400)


async def run_v1(
    ctx: Context, event: str, body: dict[str, Any], key: str | AuthHeaderError | None
) -> Reply:
    if isinstance(key, AuthHeaderError):
        return _bad(str(key))
    if key is None:
        return _bad("You must provide authentication via an API key.")
    schema = v1_schema(event)
    if not_http(event):
        return _bad(f"endpoint '{event}' is not part of the HTTP API")
    if schema is None:
        return _bad(f"unknown endpoint '{event}'")
    try:
        params = check_params(event, body, schema)
    except ValueError as err:
        return _bad(f"invalid parameters '{err}'")
    who = ctx.keys.resolve(key)
    if who is None:
        return _bad("No account found. Is your API key wrong?")
    if who.banned:
        return _bad("User is BANNED.  If this is a mistake, please contact help@cocalc.com")
    handler = HANDLERS.get(event)
    if event in NO_HANDLER or handler is None:
        return _bad(f"unknown message event type '{event}'")
    mesg_id = params.pop("id", None) or str(uuid.uuid4())
    try:
        result = await handler(ctx, who, params)
    except HandlerError as err:
        return pretty({"event": "error", "id": mesg_id, "error": err.error})
    if "event" not in result:  # the void Stripe handlers answer with only the id
        return pretty({"id": mesg_id, **result})
    event_name = result.pop("event")
    return pretty({"event": event_name, "id": mesg_id, **result})


def register(app: web.Application, ctx: Context) -> None:
    if not ctx.settings.v1:
        _register_removed(app, ctx)
        return
    limit = ctx.settings.v1_body_limit

    async def handle(request: web.Request) -> web.StreamResponse:
        event = request.match_info["event"]

        async def run(params: dict[str, Any], key: str | AuthHeaderError | None) -> Reply:
            return await run_v1(ctx, event, params, key)

        return await dispatch.serve(ctx, request, "v1", "v1/" + event, limit, run)

    async def other_method(request: web.Request) -> web.StreamResponse:
        # only POST is routed to the API; anything else falls through to the app's 404 page
        return dispatch.to_response(next_404())

    app.router.add_post("/api/v1/{event}", handle)
    app.router.add_route("*", "/api/v1/{event}", other_method)


def _register_removed(app: web.Application, ctx: Context) -> None:
    """Today's hub: v1 is gone, so every method on every ``/api/v1`` path gets Next.js's 404 page
    (the body is never read). The request is still logged, so tests can see what was tried."""

    async def removed(request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        try:
            key = parse_authorization(request.headers.get("Authorization"))
        except AuthHeaderError:
            key = None
        fp = ctx.fingerprint(key) if key else None
        ctx.requests.record(
            RecordedRequest(request.method, request.path, "v1/" + tail, None, fp, None)
        )
        return dispatch.to_response(next_404())

    app.router.add_route("*", "/api/v1", removed)
    app.router.add_route("*", "/api/v1/{tail:.*}", removed)
