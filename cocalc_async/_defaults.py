"""Every default of the SDK in one place, each with the reason it has that value."""

from __future__ import annotations

#: cocalc.com is where most users' keys work; self-hosted users pass ``base_url`` or ``COCALC_URL``.
DEFAULT_BASE_URL = "https://cocalc.com"

#: Total seconds per attempt. CoCalc answers most calls in well under a second, but project
#: starts and ``project_exec`` (default server timeout 10 s, up to minutes) need headroom.
DEFAULT_TIMEOUT = 60.0
#: Seconds to open a TCP (and TLS) connection: a dead host should fail fast and be retried.
DEFAULT_CONNECT_TIMEOUT = 10.0

#: Every retry default (attempts, backoff, the Retry-After cap, which statuses) is a field of
#: cocalc_async.retry.RetryPolicy, with its reason there.

#: aiohttp's default pool size, and the concurrency a single event loop can use on loopback.
DEFAULT_CONNECTION_LIMIT = 100
#: A FIFO semaphore of this size sits in front of the pool so waiting callers are served in
#: order (aiohttp's connector is not fair above its limit: aio-libs/aiohttp#10313).
DEFAULT_MAX_CONCURRENCY = 100
#: Below Node's historical 5 s keep-alive, which CoCalc's servers do not override, so we never
#: reuse a socket the server is about to close.
KEEPALIVE_TIMEOUT = 4.0
#: Cache DNS answers for five minutes: thousands of calls must not resolve thousands of times.
DNS_CACHE_TTL = 300
#: Redirects are rare on CoCalc's API; a few are enough for http->https or a moved prefix.
MAX_REDIRECTS = 3

#: Refuse bodies larger than this while reading them; a runaway listing must not exhaust memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20

#: How much of a body an error message carries, and how much DEBUG logging shows.
BODY_EXCERPT_CHARS = 300
DEBUG_BODY_CHARS = 1000
#: Body fields whose values never reach a log line.
SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "old_password",
        "new_password",
        "api_key",
        "content",
        "auth_token",
        "token",
        "secret",
    }
)
#: Credentials files readable by group or others get a warning (like ssh does for keys).
KEY_FILE_UNSAFE_MODE = 0o044
