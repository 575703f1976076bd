"""API v2 (Next.js routes, as of today): POST bodies only, compact JSON, errors as HTTP 200
``{"error": ...}``, a missing or bad key means anonymous, and unknown routes get the 404 page."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import dispatch
from .auth import AuthHeaderError, Principal
from .context import Context
from .replies import HandlerError, Reply, compact, next_404
from .validation import SCHEMAS, validate

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
