"""``GET /auth/impersonate?auth_token=…``: today's token sign-in, as the hub serves it.

src/packages/server/auth/impersonate.ts @5cb3315c30: an unexpired token sets the sign-in cookie
for 12 hours and answers a page whose script moves the browser to ``{site}/app`` (with
``?lang_temp=<locale>`` when given a known locale); any failure is HTTP 200 with the text
``ERROR: impersonate error -- Error: …``. Unlike the hub, the token is HTML-escaped when it is
echoed, so a crafted link cannot inject markup into the emulator's page.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

from aiohttp import web

from .state import STATE_KEY

#: maxAge of the impersonate cookie (impersonate.ts:31-32).
SIGN_IN_MAX_AGE_S = 12 * 3600
#: isLocale's list (src/packages/util/i18n/const.ts:14 @5cb3315c30).
LOCALES = frozenset(
    ("en", "es", "de", "zh", "ru", "fr", "it", "nl", "ja", "hi", "pt", "ko", "pl", "tr", "he",
     "hu", "ar", "br", "eu")
)  # fmt: skip


def _error(message: str) -> web.Response:
    # res.send(string): Express answers 200 with text/html.
    return web.Response(
        text=f"ERROR: impersonate error -- Error: {escape(message, quote=False)}",
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


async def impersonate(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    token = request.query.get("auth_token", "")
    if not token:
        return _error("invalid empty token")
    account_id = state.ctx.store.resolve_auth_token(token)
    if account_id is None:
        return _error(f"unknown or expired token: '{token}'")
    # siteUrl("app"): the site's own absolute URL, here the one this request reached.
    target = f"{request.scheme}://{request.host}/app"
    lang = request.query.get("lang_temp")
    if lang in LOCALES:
        target += f"?lang_temp={quote(lang, safe='')}"
    # client-side-redirect.ts: a script moves the browser; a link shows up after 3 s.
    script_target = json.dumps(target).replace("<", "\\u003c")
    text = (
        "<head>\n  <script>\n    window.onload = function () {\n"
        f"      window.location.href = {script_target};\n"
        "      setTimeout(function() {\n"
        "        const element = document.getElementById('redirect-msg');\n"
        "        element.style.display = 'block';\n      }, 3000);\n    };\n  </script>\n"
        '</head>\n<body>\n  <div id="redirect-msg" style="display: none;">\n'
        f'    You should be redirected to <a href="{escape(target)}">{escape(target)}</a>.\n'
        "  </div>\n</body>"
    )
    response = web.Response(
        text=text, content_type="text/html", headers={"Cache-Control": "no-store"}
    )
    state.sign_in(response, account_id, max_age=SIGN_IN_MAX_AGE_S)
    # set-sign-in-cookies.ts also sets a readable account_id cookie, for the page's own use.
    response.set_cookie(
        "account_id", account_id, max_age=SIGN_IN_MAX_AGE_S, path="/", samesite="Lax"
    )
    return response
