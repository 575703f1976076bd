"""The v2 per-(account, endpoint) throttle of ``util/api/throttle.ts``, with its exact text:
``too many requests to <endpoint>; try again in N seconds (rule: at most M requests per <unit>)``.
"""

from __future__ import annotations

import math
import time
from collections import deque

DEFAULT_RULE = (3, 15, 200)  # per second, minute, hour
OVERRIDES: dict[str, tuple[int, int, int]] = {
    "messages/send": (1, 5, 60),
    "compute/get-servers": (5, 50, 500),
    "compute/get-servers-by-id": (15, 100, 1000),
    "compute/is-dns-available": (3, 80, 500),
    "purchases/stripe/get-payments": (3, 20, 150),
    "purchases/stripe/get-customer-session": (1, 3, 40),
    "purchases/get-purchases-admin": (5, 100, 1000),
}
#: Endpoints whose handlers call ``throttle()`` on the real server (of those emulated).
THROTTLED = frozenset({"messages/get", "messages/send"})
_WINDOWS = ((1.0, "second"), (60.0, "minute"), (3600.0, "hour"))


class Throttle:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        #: Which v2 endpoints are throttled; add any path to exercise the throttle elsewhere.
        self.endpoints: set[str] = set(THROTTLED)
        #: Rules per endpoint, (per second, per minute, per hour); editable by tests.
        self.rules: dict[str, tuple[int, int, int]] = dict(OVERRIDES)
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def check(self, account_id: str, endpoint: str) -> str | None:
        """``None`` when the call may go ahead (and is counted), else the error text."""
        if not self.enabled or endpoint not in self.endpoints:
            return None
        limits = self.rules.get(endpoint, DEFAULT_RULE)
        now = time.monotonic()
        hits = self._hits.setdefault((account_id, endpoint), deque())
        while hits and now - hits[0] > 3600:
            hits.popleft()
        for (span, unit), limit in zip(_WINDOWS, limits, strict=False):
            recent = [t for t in hits if now - t < span]
            if len(recent) >= limit:
                wait = math.ceil(span - (now - recent[0])) or 1
                # util/api/throttle.ts:158 @5cb3315c30, with its plural() of both counts
                return (
                    f"too many requests to {endpoint}; try again in {wait} {_plural(wait, 'second')}"
                    f" (rule: at most {limit} {_plural(limit, 'request')} per {unit})"
                )
        hits.append(now)
        return None

    def reset(self) -> None:
        self._hits.clear()


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
