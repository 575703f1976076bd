"""``emu.requests``: what the emulator was asked, for tests to assert on.

Bounded: the last ``maxlen`` requests are kept in a deque, and per-endpoint counters count every
request ever seen, so a 100k-call soak keeps flat memory and still knows how many attempts hit
each endpoint. Keys never enter the log, only their fingerprints; secrets in bodies are masked.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from typing import Any, NamedTuple

#: Body fields whose values the log masks: a request log must never become a secret store.
SECRET_FIELDS = frozenset(
    {"password", "new_password", "old_password", "currentPassword", "newPassword", "api_key"}
)


class RecordedRequest(NamedTuple):
    method: str
    #: The URL path, e.g. ``/api/v1/ping``.
    path: str
    #: ``v1/ping``, ``v2/projects/get``, ``conat/hub/system.ping``: what ``emu.faults`` matches.
    endpoint: str
    body: Any
    key_fingerprint: str | None
    #: The fault injected into this request, if any.
    fault: str | None


class NoRequestsError(IndexError):
    """``emu.requests.last()`` on an empty log. An ``IndexError`` and so a ``LookupError``,
    with a message that says why."""


def mask(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: ("***" if k in SECRET_FIELDS else mask(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [mask(v) for v in body]
    return body


class RequestLog:
    def __init__(self, maxlen: int = 10_000) -> None:
        self._recent: deque[RecordedRequest] = deque(maxlen=maxlen)
        self.counts: Counter[str] = Counter()
        self.total = 0

    def record(self, entry: RecordedRequest) -> None:
        self._recent.append(entry)
        self.counts[entry.endpoint] += 1
        self.total += 1

    def count(self, endpoint: str) -> int:
        """How many requests hit ``endpoint`` since the last ``clear`` (not bounded by maxlen)."""
        return self.counts[endpoint]

    def for_endpoint(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self._recent if r.endpoint == endpoint]

    def last(self) -> RecordedRequest:
        """The latest request; ``NoRequestsError`` (a ``LookupError``) when none was recorded
        since the start or the last ``clear()``."""
        if not self._recent:
            raise NoRequestsError(
                "the emulator has recorded no request yet (or emu.requests.clear() emptied it);"
                " check len(emu.requests) or emu.requests.total first"
            )
        return self._recent[-1]

    def clear(self) -> None:
        self._recent.clear()
        self.counts.clear()
        self.total = 0

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(list(self._recent))

    def __len__(self) -> int:
        return len(self._recent)

    def __repr__(self) -> str:
        return f"<RequestLog recent={len(self._recent)} total={self.total}>"
