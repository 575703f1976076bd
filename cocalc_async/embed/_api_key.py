"""Get a user's API key the way seed 001 describes for applications such as juno.sh.

The flow: load ``/app?get_api_key=<app>`` (a sign-in page with the banner "CoCalc API Key
Access for <App>"), sign in there with the account's email and password, and read the key out of
the answer: a redirect to ``https://authenticated/?api_key=sk_…``. That host does not exist; it
is a marker for the client to intercept, so the redirect is never followed.

Nothing here logs: the password and the key are secrets, and the error messages quote only the
server's text (which never contains them).
"""

from __future__ import annotations

import html
import re
from typing import Any

import aiohttp
from yarl import URL

from ..errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationStatusError,
    NotFoundStatusError,
    RateLimitStatusError,
    ResponseDecodeError,
)

__all__ = ["AUTHENTICATED_HOST", "obtain_api_key"]

#: The marker host of the final redirect (seed 001).
AUTHENTICATED_HOST = "authenticated"
_ENDPOINT = "app?get_api_key"
#: Where the sign-in page puts its error text (the emulator's page; a readable fallback else).
_ERROR_RE = re.compile(r'<[^>]*\bid="error"[^>]*>(.*?)</', re.DOTALL)
_REDIRECTS = (301, 302, 303, 307, 308)


def _page_url(base_url: str, app_name: str) -> URL:
    base = URL(base_url)
    if base.scheme not in ("http", "https") or not base.host:
        raise ValueError("base_url must be an absolute http(s) URL such as https://cocalc.com")
    if base.query_string or base.fragment or base.user:
        raise ValueError("base_url must not have credentials, a query or a fragment")
    path = base.raw_path.rstrip("/") + "/app"
    return base.with_path(path, encoded=True).with_query({"get_api_key": app_name})


def _error_text(body: str) -> str:
    match = _ERROR_RE.search(body)
    text = html.unescape(match.group(1)).strip() if match else ""
    return text or "sign-in was refused"


def _retry_after(text: str) -> float | None:
    # CoCalc's sign-in throttle says "Wait one minute" or "Wait about an hour".
    if "minute" in text:
        return 60.0
    if "hour" in text:
        return 3600.0
    return None


def key_from_location(location: str) -> str | None:
    """The ``api_key`` of an ``https://authenticated/?api_key=…`` URL, else ``None``."""
    url = URL(location)
    if url.host != AUTHENTICATED_HOST:
        return None
    key = url.query.get("api_key", "")
    return key or None


async def obtain_api_key(
    base_url: str,
    email: str,
    password: str,
    app_name: str,
    *,
    timeout: float = 30.0,
) -> str:
    """Sign in on ``/app?get_api_key=<app_name>`` and return the account's new API key.

    Args:
        base_url: the server, e.g. ``https://cocalc.com``.
        email, password: the account's credentials.
        app_name: an identifier for your application; CoCalc shows it in the banner.
        timeout: seconds for the whole flow.

    Raises:
        AuthenticationError: a wrong email or password (HTTP 401).
        RateLimitError: too many failed sign-ins; ``retry_after`` is the wait in seconds.
        NotFoundError: the server has no such page.
        APIStatusError: any other unexpected status.
        APIResponseError: the form came back (2xx) with an error text instead of a redirect.
        APIConnectionError, APITimeoutError: the server could not be reached in time.
    """
    if not isinstance(app_name, str) or not app_name.strip():
        raise ValueError("app_name must be a non-empty identifier such as 'myapp'")
    if not email or not password:
        raise ValueError("email and password are required")
    page = _page_url(base_url, app_name)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    # A private jar: the sign-in cookie belongs to this flow only. unsafe=True because servers
    # on an IP address (the emulator on 127.0.0.1) would otherwise have their cookie dropped.
    jar = aiohttp.CookieJar(unsafe=True)
    try:
        async with aiohttp.ClientSession(timeout=client_timeout, cookie_jar=jar) as http:
            async with http.get(page) as resp:
                body = await resp.text(errors="replace")
                _check_page(resp.status, body, dict(resp.headers))
            form = {"email": email, "password": password}
            async with http.post(page, data=form, allow_redirects=False) as resp:
                body = await resp.text(errors="replace")
                return _key_from_answer(
                    resp.status, resp.headers.get("Location", ""), body, dict(resp.headers)
                )
    except TimeoutError as exc:
        raise APITimeoutError(
            f"sign-in did not finish within {timeout} s", endpoint=_ENDPOINT
        ) from exc
    except aiohttp.ClientError as exc:
        raise APIConnectionError(
            f"could not reach the sign-in page: {type(exc).__name__}", endpoint=_ENDPOINT
        ) from exc


def _check_page(status: int, body: str, headers: dict[str, str]) -> None:
    if status == 404:
        raise NotFoundStatusError(
            "the server has no /app?get_api_key page",
            endpoint=_ENDPOINT,
            status_code=404,
            headers=headers,
        )
    if status != 200:
        raise APIStatusError(
            f"the sign-in page answered HTTP {status}",
            endpoint=_ENDPOINT,
            status_code=status,
            body_excerpt=body[:300],
            headers=headers,
        )


def _key_from_answer(status: int, location: str, body: str, headers: dict[str, str]) -> str:
    if status in _REDIRECTS:
        key = key_from_location(location)
        if key is not None:
            return key
        # Deliberately not quoting the Location: it could carry a token of some other flow.
        raise ResponseDecodeError(
            "sign-in redirected somewhere other than https://authenticated/?api_key=…",
            endpoint=_ENDPOINT,
            status_code=status,
            headers={k: v for k, v in headers.items() if k.lower() != "location"},
        )
    text = _error_text(body)
    common: dict[str, Any] = {
        "endpoint": _ENDPOINT,
        "status_code": status,
        "body_excerpt": body[:300],
        "headers": headers,
    }
    if status == 429:
        raise RateLimitStatusError(text, error=text, retry_after=_retry_after(text), **common)
    if status in (401, 403):
        raise AuthenticationStatusError(text, error=text, **common)
    if 200 <= status < 300:  # the form came back with its error text: the server said no
        raise APIResponseError(f"sign-in failed: {text}", error=text, **common)
    raise APIStatusError(f"sign-in failed with HTTP {status}: {text}", **common)
