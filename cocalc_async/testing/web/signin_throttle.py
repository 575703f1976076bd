"""The sign-in throttle of ``src/packages/server/auth/throttle.ts``, exact texts.

Only failures count. A check refuses once an email has more than 5 failures in the last minute
or 50 in the last hour, or an IP more than 30 / 200; so the 7th attempt within a minute is
refused even with the right password, as on the real server.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

MINUTE = 60.0
HOUR = 3600.0
EMAIL_PER_MINUTE, EMAIL_PER_HOUR = 5, 50
IP_PER_MINUTE, IP_PER_HOUR = 30, 200


class SignInThrottle:
    def __init__(self) -> None:
        self._by_email: defaultdict[str, deque[float]] = defaultdict(deque)
        self._by_ip: defaultdict[str, deque[float]] = defaultdict(deque)

    @staticmethod
    def _counts(hits: deque[float], now: float) -> tuple[int, int]:
        while hits and now - hits[0] > HOUR:
            hits.popleft()
        return sum(1 for t in hits if now - t < MINUTE), len(hits)

    def check(self, email: str, ip: str | None) -> str | None:
        """The refusal text, or ``None`` when this sign-in may be tried."""
        now = time.monotonic()
        minute, hour = self._counts(self._by_email[email.lower()], now)
        if minute > EMAIL_PER_MINUTE:
            return f'Too many attempts per minute to sign in as "{email}". Wait one minute, then try again.'
        if hour > EMAIL_PER_HOUR:
            return f'Too many attempts per hour to sign in as "{email}". Wait about an hour, then try again.'
        if ip is not None:
            minute, hour = self._counts(self._by_ip[ip], now)
            if minute > IP_PER_MINUTE:
                return "Too many attempts per minute to sign in from your computer. Wait one minute, then try again."
            if hour > IP_PER_HOUR:
                return "Too many attempts per hour to sign in from your computer. Wait about an hour, then try again."
        return None

    def record_failure(self, email: str, ip: str | None) -> None:
        now = time.monotonic()
        self._by_email[email.lower()].append(now)
        if ip is not None:
            self._by_ip[ip].append(now)

    def reset(self) -> None:
        self._by_email.clear()
        self._by_ip.clear()
