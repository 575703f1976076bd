"""``/projects/<project_id>/files/<path>``: one file of a project, as an IFrame shows it.

With ``fullscreen=kiosk`` the page is the file's content and nothing else (seed 002: "removes
the UI"); without it, a header names the project, the file and the account.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from .._util import is_uuid
from ..files import FileError
from .gate import authenticate
from .html import page, refusal
from .state import STATE_KEY


async def file_page(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    who = authenticate(request, state)
    if isinstance(who, web.StreamResponse):
        return who
    project_id = request.match_info["project_id"].lower()
    path = request.match_info["path"]
    # Unknown and forbidden projects look the same, so a page cannot probe for project ids.
    if not is_uuid(project_id) or not state.may_read(who, project_id):
        return refusal(
            "No access to this project",
            f"You do not have read access to project {project_id}.",
            status=403,
        )
    files = state.ctx.files
    try:
        target = files.resolve(project_id, path)
        if target.is_dir():
            names = [
                e["name"] + ("/" if e.get("isdir") else "") for e in files.listing(project_id, path)
            ]
            content = "\n".join(names)
        else:
            content = files.read_text(project_id, path)
    except FileError as exc:
        if exc.node_error["code"] == "ENOENT":
            return refusal(
                "File not found", f"There is no file {path!r} in this project.", status=404
            )
        return refusal("No access to this file", f"{path!r} is outside the project.", status=403)
    body = f'<pre id="content">{escape(content)}</pre>'
    if request.query.get("fullscreen") == "kiosk":
        return page(path, body, body_class="kiosk")
    project = state.ctx.store.project(project_id)
    account = state.ctx.store.account(who)
    title = (project["title"] if project is not None else "") or "Untitled project"
    name = f"{account['first_name']} {account['last_name']}" if account is not None else ""
    chrome = (
        f'<header id="cocalc-chrome"><strong>CoCalc</strong> · <span id="project-title">{escape(title)}</span>'
        f' · <span id="file-path">{escape(path)}</span> · signed in as {escape(name)}</header>'
    )
    return page(f"{path} - CoCalc", chrome + f"<main>{body}</main>")
