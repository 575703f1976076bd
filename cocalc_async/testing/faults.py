"""``emu.faults``: script the next N calls to an endpoint to fail, add latency, or fault a seeded
random fraction of all calls (for soaks).

Endpoints are named as in the request log: ``v1/ping``, ``v2/projects/get``, ``conat/hub`` or
``conat/hub/system.ping``; ``v1/*`` and ``*`` match families. Every fault says whether the real
handler runs (``executes``), so tests can tell "lost request" from "lost response".
"""

from __future__ import annotations

import enum
import random
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class FaultKind(str, enum.Enum):
    HTTP_500 = "http_500"  # JSON body {"error": ...}
    HTTP_502 = "http_502"  # nginx HTML page
    HTTP_503 = "http_503"  # HTML page, Retry-After when retry_after is set
    HTTP_504 = "http_504"  # HTML page
    HTTP_429 = "http_429"  # Retry-After header (retry_after, default 1 s)
    HTTP_413 = "http_413"  # Express's "request entity too large" page
    RESET_BEFORE_BODY = "reset_before_body"  # reset before the request body is read
    RESET_AFTER_BODY = "reset_after_body"  # body read, handler not run, then reset
    RESET_AFTER_HANDLER = "reset_after_handler"  # handler ran (side effects), then reset
    RESET_MID_RESPONSE = "reset_mid_response"  # handler ran, half the body sent, then reset
    SLOW = "slow"  # sleep ``delay`` seconds, then answer normally
    TRUNCATED_JSON = "truncated_json"  # handler ran; 200 with the first half of its JSON
    NON_JSON = "non_json"  # 200 text/html that is not JSON
    ERROR_200 = "error_200"  # 200 with the API's own error shape and ``message``
    THROTTLE = "throttle"  # 200 with the v2 throttle text
    CUSTOM = "custom"  # ``status``, ``body`` and ``content_type`` as given


#: Which kinds run the real handler before failing, unless a fault says otherwise.
_EXECUTES = {
    FaultKind.RESET_AFTER_HANDLER,
    FaultKind.RESET_MID_RESPONSE,
    FaultKind.SLOW,
    FaultKind.TRUNCATED_JSON,
}


@dataclass
class Fault:
    kind: FaultKind
    remaining: int = 1
    retry_after: float | None = None
    delay: float = 1.0
    message: str = "fault injected by the emulator"
    status: int = 500
    body: str = ""
    content_type: str = "text/plain"
    executes: bool = False

    @property
    def name(self) -> str:
        return self.kind.value


@dataclass
class _Random:
    rate: float
    rng: random.Random
    kinds: tuple[FaultKind, ...]
    patterns: tuple[str, ...]
    opts: dict[str, Any] = field(default_factory=dict)


def _matches(pattern: str, endpoint: str) -> bool:
    if pattern == "*" or pattern == endpoint:
        return True
    return pattern.endswith("*") and endpoint.startswith(pattern[:-1])


class Faults:
    def __init__(self) -> None:
        self._scripted: dict[str, deque[Fault]] = {}
        self._random: _Random | None = None
        #: Global latency added to every response, in milliseconds (for benchmarks).
        self.latency_ms: float = 0.0
        #: How many faults of each kind were injected.
        self.injected: Counter[str] = Counter()

    def add(self, endpoint: str, kind: FaultKind | str, times: int = 1, **opts: Any) -> Fault:
        """Make the next ``times`` calls to ``endpoint`` fail with ``kind``.

        ``opts``: ``retry_after`` (s), ``delay`` (s, for slow), ``message``, ``status``, ``body``,
        ``content_type``, ``executes`` (run the real handler first).
        """
        kind = FaultKind(kind)
        opts.setdefault("executes", kind in _EXECUTES)
        fault = Fault(kind=kind, remaining=times, **opts)
        self._scripted.setdefault(endpoint, deque()).append(fault)
        return fault

    def random(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: Iterable[FaultKind | str] | None = None,
        endpoints: Iterable[str] = ("*",),
        **opts: Any,
    ) -> None:
        """Fault a seeded random ``rate`` (0..1) of matching calls with one of ``kinds``."""
        chosen = tuple(FaultKind(k) for k in kinds) if kinds else tuple(FaultKind)
        chosen = tuple(k for k in chosen if k is not FaultKind.CUSTOM)
        self._random = _Random(rate, random.Random(seed), chosen, tuple(endpoints), opts)

    def clear(self) -> None:
        self._scripted.clear()
        self._random = None
        self.latency_ms = 0.0

    def pending(self) -> int:
        return sum(f.remaining for q in self._scripted.values() for f in q)

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this request, if any; consumes one scripted use."""
        if self._scripted:
            for pattern in (endpoint, *self._scripted):
                queue = self._scripted.get(pattern)
                if queue and _matches(pattern, endpoint):
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.popleft()
                        if not queue:
                            del self._scripted[pattern]
                    self.injected[fault.name] += 1
                    return fault
        r = self._random
        if r is None or not any(_matches(p, endpoint) for p in r.patterns):
            return None
        if r.rng.random() >= r.rate:
            return None
        kind = r.rng.choice(r.kinds)
        opts = dict(r.opts)
        opts.setdefault("executes", kind in _EXECUTES)
        opts.setdefault("delay", 0.05)
        self.injected[kind.value] += 1
        return Fault(kind=kind, **opts)
