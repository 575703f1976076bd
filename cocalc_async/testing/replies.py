"""How the emulator writes answers: v1 pretty-printed (Express ``json spaces 2``), v2 and conat
compact (``res.json``), and the HTML pages proxies and frameworks send."""

from __future__ import annotations

import json
from typing import Any, NamedTuple


class Reply(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class HandlerError(Exception):
    """A handler-level failure. ``error`` is usually a string, but v1 forwards Node error
    objects (``{"errno":-2,"code":"ENOENT",...}``) unchanged, so it may be a dict."""

    def __init__(self, error: Any) -> None:
        super().__init__(error if isinstance(error, str) else json.dumps(error))
        self.error = error


def pretty(obj: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(obj, indent=2, ensure_ascii=False).encode(), "application/json")


def compact(obj: Any, status: int = 200) -> Reply:
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status, body, "application/json")


def html(status: int, title: str, text: str | None = None) -> Reply:
    """An nginx-style error page, as a proxy in front of CoCalc sends it."""
    page = (
        f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {title}</h1></center>\r\n"
        + (f"<p>{text}</p>\r\n" if text else "")
        + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status, page.encode(), "text/html")


def next_404() -> Reply:
    """What Next.js answers for a route it does not have: its 404 page."""
    page = (
        '<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>404: This page could not be'
        ' found</title></head><body><div id="__next"><h1>404</h1><h2>This page could not be'
        " found.</h2></div></body></html>"
    )
    return Reply(404, page.encode(), "text/html")


def express_404(method: str, path: str) -> Reply:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
        f"</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n"
    )
    return Reply(404, page.encode(), "text/html")


def express_413() -> Reply:
    return Reply(413, b"PayloadTooLargeError: request entity too large", "text/html")
