"""The pages' HTML: small, escaped, with stable ids the tests and the browser test look for."""

from __future__ import annotations

from html import escape

from aiohttp import web

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
main { padding: 1rem 1.5rem; }
header#cocalc-chrome { background: #4474c0; color: white; padding: .5rem 1rem; }
pre { white-space: pre-wrap; font: 14px/1.4 monospace; margin: 0; padding: 1rem; }
.banner { padding: .75rem 1rem; font-weight: bold; }
.banner.ready { background: #2e7d32; color: white; }
.banner.api-key { background: #4474c0; color: white; font-size: 1.2rem; }
.refused { background: #b71c1c; color: white; padding: 1rem; }
form label { display: block; margin: .5rem 0; }
#error { color: #b71c1c; font-weight: bold; }
"""


def page(title: str, body: str, *, status: int = 200, body_class: str = "") -> web.Response:
    """A whole HTML page; ``title`` is escaped here, ``body`` must already be."""
    cls = f' class="{escape(body_class)}"' if body_class else ""
    text = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body{cls}>{body}</body></html>\n"
    )
    # no-store: pages show account data and are reached with tokens in the URL.
    return web.Response(
        text=text, status=status, content_type="text/html", headers={"Cache-Control": "no-store"}
    )


def refusal(title: str, message: str, *, status: int) -> web.Response:
    """A clear "no" page: what happened and what to do, never the token itself."""
    body = (
        f'<main><div class="refused" id="refused"><h1>{escape(title)}</h1>'
        f'<p id="reason">{escape(message)}</p></div></main>'
    )
    return page(title, body, status=status)


def expired_token() -> web.Response:
    return refusal(
        "Sign-in link expired or invalid",
        "This auth_token is unknown or has expired (tokens last 12 hours). "
        "Ask the application that embedded this page for a fresh link.",
        status=401,
    )


def not_signed_in() -> web.Response:
    return refusal(
        "Not signed in",
        "Open this page with a valid auth_token, or sign in at /app first.",
        status=401,
    )


def sign_in_form(
    action: str, *, app_name: str | None, error: str = "", status: int = 200
) -> web.Response:
    """The sign-in page; with ``app_name`` it carries seed 001's banner."""
    banner = ""
    if app_name is not None:
        shown = app_name[:1].upper() + app_name[1:]
        banner = f'<div class="banner api-key" id="api-key-banner">CoCalc API Key Access for {escape(shown)}</div>'
    err = f'<p id="error">{escape(error)}</p>' if error else ""
    body = (
        f"{banner}<main><h1>Sign in to CoCalc</h1>{err}"
        f'<form method="post" action="{escape(action)}" id="sign-in">'
        '<label>Email <input type="email" name="email" id="email" autocomplete="username" required></label>'
        '<label>Password <input type="password" name="password" id="password" autocomplete="current-password" required></label>'
        '<button type="submit" id="sign-in-button">Sign in</button></form></main>'
    )
    return page("Sign in - CoCalc", body, status=status)
