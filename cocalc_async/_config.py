"""What a Client is configured with: timeouts, the API key and the base URL.

The key and URL come from the arguments first, then the environment (``COCALC_API_KEY``,
``COCALC_API_KEY_FILE``, ``COCALC_URL``), as twelve-factor tools expect.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import re
import stat
import warnings
from dataclasses import dataclass

from . import _defaults
from ._types import NotGiven

logger = logging.getLogger("cocalc_async")

_KEY_LINE = re.compile(r"""^\s*api_key\s*:\s*["']?([^"'\s#]+)["']?\s*(?:#.*)?$""")


@dataclass(frozen=True, slots=True)
class Timeout:
    """Per-attempt time limits in seconds; ``None`` means no limit for that phase.

    ``connect`` bounds opening the connection, ``read`` the wait for each chunk of the answer,
    and ``total`` the whole attempt. ``Client(request_timeout=30)`` means ``Timeout(total=30)`` with the
    default connect limit.
    """

    connect: float | None = _defaults.DEFAULT_CONNECT_TIMEOUT
    read: float | None = None
    total: float | None = _defaults.DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Timeout.{name} must be a number of seconds or None")
            if not value > 0:
                raise ValueError(f"Timeout.{name} must be > 0 (got {value!r})")

    @classmethod
    def coerce(cls, value: Timeout | float | int) -> Timeout:
        # (The per-attempt limits are named once, in docs/timeouts.md: request_timeout is this
        # object or its total, connect_timeout its connect.)
        """Accept a Timeout, or a number meaning the total seconds per attempt."""
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("timeout must be a number of seconds or a cocalc_async.Timeout")
        total = float(value)
        if not total > 0:
            raise ValueError(f"timeout must be > 0 (got {value!r})")
        return cls(connect=min(_defaults.DEFAULT_CONNECT_TIMEOUT, total), read=None, total=total)


def resolve_timeout(
    request_timeout: Timeout | float | NotGiven, connect_timeout: float | NotGiven | None
) -> Timeout:
    """The Client's per-attempt limits from ``request_timeout`` and ``connect_timeout``.

    ``request_timeout`` is the total seconds of one attempt (60 by default) or a whole
    :class:`Timeout`; ``connect_timeout`` (10 by default, ``None`` for no limit) replaces its
    connect limit when given.
    """
    base = Timeout() if isinstance(request_timeout, NotGiven) else Timeout.coerce(request_timeout)
    if isinstance(connect_timeout, NotGiven):
        return base
    if connect_timeout is not None and (
        isinstance(connect_timeout, bool) or not isinstance(connect_timeout, (int, float))
    ):
        raise TypeError("connect_timeout must be a number of seconds or None")
    return dataclasses.replace(base, connect=connect_timeout)


def resolve_api_key(api_key: str | None) -> str | None:
    """The key from the argument, ``COCALC_API_KEY``, or the file named by ``COCALC_API_KEY_FILE``."""
    if api_key is None:
        api_key = os.environ.get("COCALC_API_KEY") or None
        if api_key is None:
            path = os.environ.get("COCALC_API_KEY_FILE")
            if path:
                api_key = read_key_file(path)
    if api_key is None:
        return None
    if not isinstance(api_key, str):
        raise TypeError("api_key must be a string")
    api_key = api_key.strip()
    if not api_key:
        return None
    # A key ends up in an HTTP header: control characters or spaces would break or inject headers.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in api_key) or ":" in api_key:
        raise ValueError(
            "api_key contains whitespace, control characters or ':'; check how it was loaded"
        )
    return api_key


def read_key_file(path: str) -> str:
    """Read ``api_key: sk_...`` from a YAML-style credentials file (seed tutorial, step 3)."""
    try:
        mode = os.stat(path).st_mode
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read the API key file {path!r}: {exc.strerror}") from None
    if stat.S_IMODE(mode) & _defaults.KEY_FILE_UNSAFE_MODE:
        warnings.warn(
            f"the API key file {path!r} is readable by group or others; run: chmod 600 {path}",
            UserWarning,
            stacklevel=4,
        )
    for line in lines:
        match = _KEY_LINE.match(line)
        if match:
            return match.group(1)
    raise ValueError(f"no 'api_key: ...' line found in {path!r}")


def resolve_base_url(base_url: str | None) -> str:
    """The base URL from the argument, ``COCALC_URL`` or cocalc.com, without a trailing slash."""
    from yarl import URL

    raw = base_url or os.environ.get("COCALC_URL") or _defaults.DEFAULT_BASE_URL
    if not isinstance(raw, str):
        raise TypeError("base_url must be a string such as 'https://cocalc.com'")
    url = URL(raw.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {raw!r}")
    if url.user or url.password:
        raise ValueError("base_url must not carry credentials; pass api_key instead")
    if url.query_string or url.fragment:
        raise ValueError("base_url must not have a query or fragment")
    if url.scheme == "http" and not is_loopback(url.host):
        warnings.warn(
            f"base_url {raw!r} is plain http to a non-loopback host: the API key travels unencrypted",
            UserWarning,
            stacklevel=4,
        )
    return str(url).rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
