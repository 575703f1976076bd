"""When a failed attempt may be repeated, and how long to wait first. Pure functions.

The rule that matters most: a call that is not idempotent (create, exec, copy, invite, write) is
never repeated once its bytes may have reached the server, because CoCalc has no idempotency
keys. Connect-phase failures and explicit "not processed" statuses are always safe to repeat.
"""

from __future__ import annotations

import random

from . import _defaults
from .errors import (
    APIConnectionError,
    APIStatusError,
    CoCalcError,
    RateLimitError,
    ResponseDecodeError,
)


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """Whether ``exc`` from one attempt allows another attempt of the same call."""
    if isinstance(exc, APIConnectionError):
        if not exc.transient:
            return False
        return idempotent or not exc.may_have_reached_server
    if isinstance(exc, RateLimitError):
        # A throttle text or a 429 is the server saying "not processed, come back later".
        if exc.status_code != 429 and exc.retry_after is None:
            return False  # e.g. the sign-in throttle: no hint, and a retry within the minute fails
        return exc.retry_after is None or exc.retry_after <= _defaults.MAX_RETRY_AFTER
    if isinstance(exc, APIStatusError) and exc.status_code is not None:
        status = exc.status_code
        if exc.retry_after is not None and exc.retry_after > _defaults.MAX_RETRY_AFTER:
            return False
        if status in _defaults.RETRY_ALWAYS_STATUSES:
            return True
        return idempotent and status in _defaults.RETRY_IDEMPOTENT_STATUSES
    if isinstance(exc, ResponseDecodeError):
        # A 200 that is not JSON (a proxy page, a cut-off body): the handler may have run.
        return idempotent
    return False


def server_hint(exc: BaseException) -> float | None:
    """The server's own wait hint carried by ``exc``, if any."""
    if isinstance(exc, CoCalcError):
        hint = getattr(exc, "retry_after", None)
        if isinstance(hint, (int, float)):
            return float(hint)
    return None


def backoff_delay(retry_number: int, *, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max, initial * 2**(n-1))].

    ``retry_number`` is 1 for the first retry. Full jitter spreads thousands of clients that
    failed together (AWS architecture blog; tenacity's ``wait_random_exponential``).
    """
    cap = min(
        _defaults.RETRY_MAX_DELAY, _defaults.RETRY_INITIAL_DELAY * 2 ** max(0, retry_number - 1)
    )
    return (rng or random).uniform(0, cap)


def retry_delay(exc: BaseException, retry_number: int) -> float:
    """How long to wait before retry ``retry_number``: the server's hint if it gave one."""
    hint = server_hint(exc)
    if hint is not None:
        return min(hint, _defaults.MAX_RETRY_AFTER)
    return backoff_delay(retry_number)
