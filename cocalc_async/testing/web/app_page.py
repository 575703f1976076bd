"""``/app``: the signed-in app with seed 002's postMessage protocol, and seed 001's sign-in.

* ``GET /app?auth_token=…`` signs the browser in (see ``gate``); ``GET /app`` then shows the
  app: a green "ready" banner, the open files and the current file's content.
* ``GET /app?get_api_key=<app>`` shows the sign-in page with the banner "CoCalc API Key Access
  for <App>"; ``POST`` there with ``email`` and ``password`` answers, on success, with a redirect
  to ``https://authenticated/?api_key=<a new key for that account>``.
* ``/app/_embed/file`` and ``/app/_embed/ping`` are what the page's script asks the server.
"""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

from .._util import is_uuid
from ..files import FileError
from .app_script import APP_SCRIPT
from .gate import authenticate
from .html import page, sign_in_form
from .state import STATE_KEY, WebState

AUTHENTICATED_URL = "https://authenticated/"


def _config_json(state: WebState) -> str:
    text = json.dumps({"allowed_origins": list(state.allowed_origins), "prefix": ""})
    # inside <script>, "</" would end the element early
    return text.replace("<", "\\u003c")


async def app_get(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    app_name = request.query.get("get_api_key")
    if app_name is not None:
        return sign_in_form(str(request.rel_url), app_name=app_name)
    who = authenticate(request, state)
    if isinstance(who, web.StreamResponse):
        if who.status == 401 and "auth_token" not in request.query:
            return sign_in_form("/app", app_name=None, status=401)
        return who
    account = state.ctx.store.account(who)
    name = f"{account['first_name']} {account['last_name']}" if account is not None else ""
    body = (
        '<div class="banner" id="banner" hidden>Loading CoCalc…</div>'
        f'<header id="cocalc-chrome"><strong>CoCalc</strong> · signed in as <span id="account-name">{escape(name)}</span></header>'
        '<main><ul id="tabs"></ul><pre id="editor"></pre></main>'
        f'<script type="application/json" id="cocalc-config">{_config_json(state)}</script>'
        f"<script>{APP_SCRIPT}</script>"
    )
    return page("CoCalc", body)


async def app_post(request: web.Request) -> web.StreamResponse:
    """Password sign-in, throttled like ``auth/sign-in``."""
    state = request.app[STATE_KEY]
    app_name = request.query.get("get_api_key")
    action = str(request.rel_url)
    form = await request.post()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    if not email or not password:
        return sign_in_form(
            action, app_name=app_name, error="Enter your email address and password.", status=400
        )
    refusal = state.throttle.check(email, request.remote)
    if refusal is not None:
        return sign_in_form(action, app_name=app_name, error=refusal, status=429)
    row = state.ctx.store.account_by_email(email)
    if row is None or not state.ctx.store.check_password(row["account_id"], password):
        state.throttle.record_failure(email, request.remote)
        # One text for both cases, so the page does not reveal which emails have accounts.
        return sign_in_form(
            action, app_name=app_name, error="Incorrect email address or password.", status=401
        )
    if row["banned"]:
        return sign_in_form(action, app_name=app_name, error="This account is banned.", status=403)
    account_id = str(row["account_id"])
    if app_name is None:
        response = web.Response(status=302, headers={"Location": "/app"})
    else:
        key = state.ctx.store.create_api_key(account_id, name=app_name or "app")[1]
        state.ctx.keys.invalidate()
        location = f"{AUTHENTICATED_URL}?api_key={key}"
        response = web.Response(
            status=302, headers={"Location": location, "Cache-Control": "no-store"}
        )
    state.sign_in(response, account_id)
    return response


async def embed_file(request: web.Request) -> web.StreamResponse:
    """The content of one file for the page's ``open``, or ``{"error": …}`` with a status."""
    state = request.app[STATE_KEY]
    who = state.account_of(request)
    if who is None:
        return web.json_response({"error": "not signed in"}, status=401)
    project_id = request.query.get("project_id", "").lower()
    path = request.query.get("path", "")
    if not is_uuid(project_id) or not state.may_read(who, project_id):
        return web.json_response(
            {"error": f"you do not have read access to project {project_id}"}, status=403
        )
    try:
        content = state.ctx.files.read_text(project_id, path)
    except FileError as exc:
        if exc.node_error["code"] == "ENOENT":
            return web.json_response({"error": f"no such file: {path}"}, status=404)
        return web.json_response({"error": f"{path} is outside the project"}, status=403)
    return web.json_response({"content": content})


async def embed_ping(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    who = state.account_of(request)
    return web.json_response({"account_id": who}, status=200 if who else 401)
