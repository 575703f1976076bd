"""API v2 (Next.js routes, as of today): POST bodies only, compact JSON, errors as HTTP 200
``{"error": ...}``, a missing or bad key means anonymous, and unknown routes get the 404 page."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from . import dispatch
from .auth import AuthHeaderError
from .context import Context
from .replies import HandlerError, Reply, compact, next_404
from .v2_routes import ROUTES, Handler, account_only, principal_of, route, signed_in
from .validation import SCHEMAS, validate

__all__ = [
    "ROUTES",
    "Handler",
    "account_only",
    "principal_of",
    "register",
    "route",
    "run_v2",
    "signed_in",
]


async def run_v2(
    ctx: Context, path: str, params: dict[str, Any], key: str | AuthHeaderError | None
) -> Reply:
    handler = ROUTES.get(path)
    if handler is None and not (ctx.settings.api_validation and path in SCHEMAS):
        return next_404()
    if ctx.settings.api_validation:
        # next-rest-framework parses the body before the handler (and before any auth)
        parsed, refused = validate(path, params)
        if refused is not None:
            return refused
        params = parsed if parsed is not None else params
    if handler is None:
        return next_404()  # a route the emulator validates but does not run (compute servers)
    who = principal_of(ctx, key)
    if who is not None:
        limited = ctx.throttle.check(who.account_id, path)
        if limited is not None:
            return compact({"error": limited})
    try:
        result = await handler(ctx, who, params)
    except HandlerError as err:
        return compact({"error": err.error})
    if isinstance(result, Reply):
        return result
    return compact(result)


def register(app: web.Application, ctx: Context) -> None:
    from . import v2_accounts, v2_projects, v2_today  # noqa: F401  (they fill ROUTES)

    limit = ctx.settings.v2_body_limit

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")

        async def run(params: dict[str, Any], key: str | AuthHeaderError | None) -> Reply:
            return await run_v2(ctx, path, params, key)

        return await dispatch.serve(ctx, request, "v2", "v2/" + path, limit, run)

    async def index(request: web.Request) -> web.StreamResponse:
        return dispatch.to_response(v2_today.index_page())

    app.router.add_route("*", "/api/v2", index)
    app.router.add_route("*", "/api/v2/{path:.+}", handle)


def new_id() -> str:
    return str(uuid.uuid4())
