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


#: The head of the page a current hub's Next.js answers for a path it has no route for (every
#: ``/api/v1/*`` since v1 was removed on 2025-05-29, and unknown ``/api/v2/*`` routes); recorded
#: exchanges ``v1-ping`` and ``v2-unknown-route``. The real page goes on for ~119 kB of scripts.
NEXT_404_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8" data-next-head=""/>'
    b'<meta name="viewport" content="width=device-width" data-next-head=""/>'
    b'<title data-next-head="">404 Page Not Found</title>'
    b'<meta name="description" content="404 Page Not Found" data-next-head=""/>'
    b'<meta name="robots" content="noindex,nofollow" data-next-head=""/>'
    b'<link rel="icon" href="/webapp/favicon-32x32.png" data-next-head=""/></head>'
    b'<body><div id="__next"><h1>404</h1><h2>Page Not Found</h2></div></body></html>'
)


def next_404() -> Reply:
    """What Next.js answers for a route it does not have: its 404 page."""
    return Reply(404, NEXT_404_PAGE, "text/html", (("Content-Type", "text/html; charset=utf-8"),))


def express_404(method: str, path: str) -> Reply:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
        f"</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n"
    )
    return Reply(404, page.encode(), "text/html")


def express_413() -> Reply:
    return Reply(413, b"PayloadTooLargeError: request entity too large", "text/html")
