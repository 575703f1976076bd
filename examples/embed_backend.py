"""An aiohttp web app that embeds CoCalc: sign-in, an embed session, and a page with IFrames.

    python examples/embed_backend.py          # starts an emulator too, then serves on 127.0.0.1:8080

What a real backend does, in small:

1. Its user signs in to *it* (``/login``); the app maps that user to a CoCalc account it created
   (here: an account in the emulator).
2. It asks CoCalc for an embed session (``client.embed_session``: conat
   ``system.generateUserAuthToken``), reusing it until it expires, and never shows the token
   anywhere but in the sign-in IFrame URL.
3. It serves a page with two IFrames. The ``/app`` IFrame loads the session's sign-in URL
   (``/auth/impersonate?auth_token=…``), which sets CoCalc's cookie and lands on ``/app``, driven
   by ``cocalc-embed.js`` (open / status / closeall over postMessage). Once CoCalc answers, the
   page points the kiosk IFrame at ``target_url`` (one file, no CoCalc UI, no token): the
   cookie signs it in.

The admin API key and the users' CoCalc passwords stay on the server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from cocalc_async import Client
from cocalc_async.embed import EmbedSession, embed_js_source


@dataclass(frozen=True)
class User:
    """A user of this web app and the CoCalc account it maps to."""

    email: str
    password: str  # this app's password; the demo reuses the CoCalc one
    account_id: str
    cocalc_password: str
    project_id: str
    path: str  # the file the kiosk view shows


@dataclass
class Backend:
    cocalc_url: str
    api_key: str
    users: dict[str, User]
    #: browser session cookie -> email (in memory: a demo, not a session store)
    sessions: dict[str, str] = field(default_factory=dict)
    #: email -> the embed session, reused until it expires
    embeds: dict[str, EmbedSession] = field(default_factory=dict)
    client: Client | None = None

    async def embed_for(self, user: User) -> EmbedSession:
        current = self.embeds.get(user.email)
        # Renew a few minutes early so a page never gets a token about to lapse.
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
        if current is None or current.expired(soon):
            assert self.client is not None
            current = await self.client.embed_session(
                user.account_id, user.cocalc_password, user.project_id, user.path
            )
            self.embeds[user.email] = current
        return current


BACKEND_KEY = web.AppKey("backend", Backend)
COOKIE = "embed_demo_session"  # not "remember_me": cookies ignore ports, CoCalc's would clash

LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sign in - Demo LMS</title></head>
<body><h1>Demo LMS</h1>{error}<form method="post" action="/login" id="login">
<label>Email <input name="email" id="email" type="email"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="login-button">Sign in</button></form></body></html>"""

MAIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Demo LMS</title>
<style>iframe {{ width: 48%; height: 320px; border: 1px solid #888; }} pre {{ background: #eee; }}</style>
</head><body><h1>Demo LMS: {name}</h1>
<iframe id="viewer" title="kiosk viewer" data-src="{kiosk}"></iframe>
<iframe id="cocalc" title="CoCalc" src="{sign_in}"></iframe>
<p><button id="reload-viewer">Reload viewer</button> <button id="sign-in-again">Sign in again</button>
<input id="project" value="{project_id}" size="38"> <input id="path" value="">
<button id="open">Open</button> <button id="status">Status</button>
<button id="closeall">Close all</button></p>
<pre id="acks"></pre><pre id="result" data-seq="0"></pre>
<script type="module">
import {{ CoCalcEmbed }} from "/static/cocalc-embed.js";
const cocalc = new CoCalcEmbed(document.getElementById("cocalc"), {{ timeout: 5000 }});
const result = document.getElementById("result");
let seq = 0;
function show(status, value) {{
  seq += 1;
  result.textContent = JSON.stringify(value, null, 1);
  result.dataset.status = status;
  result.dataset.seq = String(seq);
}}
async function run(promise) {{
  try {{ show("ok", await promise); }}
  catch (err) {{ show(err.name === "CoCalcEmbedTimeout" ? "timeout" : "error", err.reply ?? {{ mesg: err.message }}); }}
}}
const $ = (id) => document.getElementById(id);
$("open").onclick = () => run(cocalc.open($("project").value, $("path").value, {{
  onAck: (reply) => {{ $("acks").textContent += `ack ${{reply.path}}\\n`; }},
}}));
$("status").onclick = () => run(cocalc.status());
$("closeall").onclick = () => run(cocalc.closeall());
$("reload-viewer").onclick = () => {{ $("viewer").src = $("viewer").dataset.src; }};
$("sign-in-again").onclick = () => {{ $("cocalc").src = $("cocalc").src; }};
// Step two of the sign-in: the kiosk view needs the cookie the sign-in IFrame just got.
cocalc.ready({{ timeout: 10000 }}).then(() => {{
  $("viewer").src = $("viewer").dataset.src;
  document.body.dataset.cocalcReady = "yes";
}});
</script></body></html>"""


def _user_of(request: web.Request) -> User | None:
    backend = request.app[BACKEND_KEY]
    email = backend.sessions.get(request.cookies.get(COOKIE, ""))
    return backend.users.get(email) if email else None


async def login_form(request: web.Request) -> web.Response:
    return web.Response(text=LOGIN_PAGE.format(error=""), content_type="text/html")


async def login(request: web.Request) -> web.Response:
    backend = request.app[BACKEND_KEY]
    form = await request.post()
    user = backend.users.get(str(form.get("email", "")).lower())
    if user is None or not secrets.compare_digest(user.password, str(form.get("password", ""))):
        page = LOGIN_PAGE.format(error='<p id="error">Wrong email or password.</p>')
        return web.Response(text=page, content_type="text/html", status=401)
    cookie = secrets.token_urlsafe(24)
    backend.sessions[cookie] = user.email
    response = web.Response(status=302, headers={"Location": "/"})
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax")
    return response


async def index(request: web.Request) -> web.Response:
    user = _user_of(request)
    if user is None:
        return web.Response(status=302, headers={"Location": "/login"})
    embed = await request.app[BACKEND_KEY].embed_for(user)
    page = MAIN_PAGE.format(
        name=html.escape(user.email),
        kiosk=html.escape(embed.target_url),
        sign_in=html.escape(embed.sign_in_url),
        project_id=html.escape(user.project_id),
    )
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})


async def embed_js(request: web.Request) -> web.Response:
    return web.Response(text=embed_js_source(), content_type="text/javascript")


def make_app(cocalc_url: str, api_key: str, users: list[User]) -> web.Application:
    app = web.Application()
    app[BACKEND_KEY] = Backend(cocalc_url, api_key, {u.email.lower(): u for u in users})

    async def client_context(app: web.Application) -> AsyncIterator[None]:
        backend = app[BACKEND_KEY]
        async with Client(backend.api_key, base_url=backend.cocalc_url) as client:
            backend.client = client
            yield

    app.cleanup_ctx.append(client_context)
    app.router.add_get("/", index)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_get("/static/cocalc-embed.js", embed_js)
    return app


async def main(port: int = 8080) -> None:
    from cocalc_async.testing import Emulator

    async with Emulator() as emu:
        email, password = "student@example.com", "student-password"
        account_id, _ = emu.create_account("Sam", "Student", email, password)
        project_id = emu.create_project(account_id, title="Homework")
        (emu.project_dir(project_id) / "notes.md").write_text("# Notes\nHello from CoCalc.\n")
        (emu.project_dir(project_id) / "second.md").write_text("A second file.\n")
        user = User(email, password, account_id, password, project_id, "notes.md")
        runner = web.AppRunner(make_app(emu.url, emu.api_key, [user]))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(
            json.dumps(
                {"backend": f"http://127.0.0.1:{port}/", "email": email, "password": password}
            )
        )
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
