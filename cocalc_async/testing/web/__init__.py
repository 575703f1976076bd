"""The emulator's web pages for embedding (issue 8): ``/auth/impersonate``, ``/app`` and
``/projects/<id>/files/<path>``.

``add_web_routes(app, ctx)`` adds them to the emulator's application; ``register`` is the same
function under the name the emulator's ``ROUTE_MODULES`` convention calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .app_page import app_get, app_post, embed_file, embed_ping
from .files_page import file_page
from .impersonate import impersonate
from .state import STATE_KEY, WebState

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["STATE_KEY", "WebState", "add_web_routes", "register"]


def add_web_routes(app: web.Application, ctx: Context) -> None:
    app[STATE_KEY] = WebState(ctx)
    app.router.add_get("/auth/impersonate", impersonate)
    app.router.add_get("/app", app_get)
    app.router.add_post("/app", app_post)
    app.router.add_get("/app/_embed/file", embed_file)
    app.router.add_get("/app/_embed/ping", embed_ping)
    app.router.add_get("/projects/{project_id}/files/{path:.+}", file_page)


register = add_web_routes
