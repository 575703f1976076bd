"""API v1 (as of 2021, ``2db78fc4f7``): POST only, every call needs a valid key, strict
``misc.defaults`` parameter checking, pretty-printed replies that echo ``id`` (reference §2-§4).

The order of checks is the real one: header, endpoint, parameters, then the key.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from cocalc_async.spec import ENDPOINTS

from . import (
    dispatch,
    v1_misc,  # noqa: F401  (registers the remaining handlers)
)
from .auth import AuthHeaderError, parse_authorization
from .context import Context
from .replies import HandlerError, Reply, next_404, pretty
from .request_log import RecordedRequest
from .spec_adapter import ParamInfo, v1_schema
from .v1_handlers import HANDLERS

#: Defined in message.js but taken out of the HTTP API on 2019-05-13 (``c3b48d04c8``): the spec's
#: ``removed-from-http`` endpoints, plus ``revoke_auth_token``, which lost HTTP access the same day
#: and has no coroutine (it never had a working HTTP handler since).
NOT_HTTP = frozenset(
    {e.path for e in ENDPOINTS if e.api == "v1" and e.status == "removed-from-http"}
    | {"revoke_auth_token"}
)
#: Reply-only messages that message.js defines too; asking for one is "not part of the HTTP API".
REPLY_EVENTS = frozenset(
    {
        "success", "error", "project_created", "account_created",
        "project_exec_output", "user_search_results", "usernames", "user_auth_token", "pong",
        "copy_path_status_response", "text_file_read_from_project", "file_written_to_project",
        "support_ticket_url", "support_tickets", "changed_password", "changed_email_address",
        "account_creation_failed", "copy_path_between_projects_response", "available_upgrades",
    }
)  # fmt: skip
#: HTTP-enabled in message.js with no ``mesg_<event>`` handler in the hub.
NO_HANDLER = frozenset({"jupyter_start_pool"})

REQUIRED = "__!!!!!!this is a required property!!!!!!__"


def _to_json(obj: Any) -> str:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 1024 else text[:1023] + "…"


def _schema_obj(schema: tuple[ParamInfo, ...]) -> dict[str, Any]:
    return {
        p.name: REQUIRED if p.required else p.default
        for p in schema
        if p.required or p.default is not None
    }


def check_params(event: str, body: dict[str, Any], schema: tuple[ParamInfo, ...]) -> dict[str, Any]:
    """``misc.defaults(body, schema, allow_extra=false, strict=true)``; raises ValueError with
    the text the hub wraps in ``invalid parameters '...'``."""
    obj2 = _schema_obj(schema)
    if "event" in body:
        raise ValueError(
            "Error: ValueError: must not define 'event' when calling message creation function"
            f" (mesg={_to_json(body)}, obj={_to_json(obj2)})"
        )
    context = f"(obj1={_to_json(body)}, obj2={_to_json(obj2)})"
    names = {p.name for p in schema}
    for k in body:
        if k not in names:
            raise ValueError(
                f"Error: misc.defaults -- TypeError: got an unexpected argument '{k}' {context}"
            )
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
    return out


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
    if event in NOT_HTTP or event in REPLY_EVENTS:
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
