"""RetryPolicy: every decision about repeating a failed attempt, in one object.

The rule that matters most: a call that is not idempotent (create, exec, copy, invite, write) is
never repeated once its bytes may have reached the server, because CoCalc has no idempotency
keys. A failure before anything was sent, and the statuses that mean "not processed" (or a
gateway that failed before the hub), are safe to repeat for any call.

A policy is a frozen value: ``Client(retry=RetryPolicy(max_retries=5))`` for a client,
``client.call(..., retry=...)`` or ``client.with_options(retry=...)`` for some calls. The Session
asks :meth:`RetryPolicy.should_retry` after each failed attempt and waits :meth:`RetryPolicy.delay`;
the loop itself is tenacity's, built by :meth:`RetryPolicy.retrying`.

The rules read only attributes of the errors (``may_have_reached_server`` and ``transient`` of
connection errors, ``status_code`` and ``retry_after`` of answers), so they hold whether an
error came as a non-2xx status or inside a 200 body.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .errors import APIConnectionError, APIError, RateLimitError, ResponseDecodeError

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState

__all__ = ["RetryPolicy"]


def _non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value}")


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{attribute.name} must be a number of seconds")
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _statuses(value: Any) -> frozenset[int]:
    return frozenset(int(v) for v in value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When a failed attempt is repeated, and how long to wait first.

    Attributes:
        max_retries: retries after the first attempt (0 never repeats).
        initial_delay, max_delay: full-jitter exponential backoff: retry ``n`` waits a uniform
            random time in ``[0, min(max_delay, initial_delay * 2**(n-1))]`` (the AWS
            architecture blog's "full jitter", tenacity's ``wait_random_exponential``), which
            spreads many clients that failed together.
        max_retry_after: a server hint (``Retry-After``, CoCalc's "try again in N seconds")
            longer than this is not waited for: the error is raised so the caller can decide.
        always_statuses: statuses that mean the request was not processed, or a gateway failed:
            repeated for any call.
        idempotent_statuses: statuses that may come after the handler ran (a 500): repeated only
            for idempotent calls.
        retry_connection_errors: repeat transient transport failures (subject to the
            idempotency rule).
        retry_decode_errors: repeat an idempotent call whose 2xx body was not the JSON it should
            be (a proxy page, a cut-off body); a non-idempotent one may have run, so never.
    """

    # Three attempts in all, as openai-python and stripe-python make.
    max_retries: int = attrs.field(default=2, validator=_non_negative_int)
    # From 0.5 s up to 8 s: openai-python's range, with tenacity's full jitter.
    initial_delay: float = attrs.field(default=0.5, validator=_seconds)
    max_delay: float = attrs.field(default=8.0, validator=_seconds)
    # openai-python's two-minute rule: a longer hint is the caller's decision, not a sleep.
    max_retry_after: float = attrs.field(default=120.0, validator=_seconds)
    # 408, 429 and 503 say the request was not processed; 502 and 504 that a gateway failed.
    always_statuses: frozenset[int] = attrs.field(
        default=frozenset({408, 429, 502, 503, 504}), converter=_statuses
    )
    # A 500 may come after the handler ran.
    idempotent_statuses: frozenset[int] = attrs.field(default=frozenset({500}), converter=_statuses)
    retry_connection_errors: bool = True
    retry_decode_errors: bool = True

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that never repeats an attempt."""
        return cls(max_retries=0)

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """This policy with another retry count (what ``max_retries=`` sets)."""
        if max_retries == self.max_retries:
            return self
        return attrs.evolve(self, max_retries=max_retries)

    # --- decisions --------------------------------------------------------------------------

    def should_retry(self, exc: BaseException, attempt: int, idempotent: bool) -> bool:
        """Whether attempt ``attempt`` (1 for the first), which failed with ``exc``, is repeated."""
        return attempt <= self.max_retries and self.is_retryable(exc, idempotent=idempotent)

    def is_retryable(self, exc: BaseException, *, idempotent: bool) -> bool:
        """Whether ``exc`` allows another attempt of the same call, attempts left aside."""
        if isinstance(exc, APIConnectionError):
            if not (self.retry_connection_errors and exc.transient):
                return False
            return idempotent or not exc.may_have_reached_server
        if not isinstance(exc, APIError):
            return False
        # Before the status rules: a throttle is a RateLimitError whether it came as a 429 or
        # as CoCalc's text in a 200 body, and the text form is as safe to repeat as the 429.
        if isinstance(exc, RateLimitError):
            if exc.status_code != 429 and exc.retry_after is None:
                return (
                    False  # e.g. the sign-in throttle: no hint, and a retry within the minute fails
                )
            return exc.retry_after is None or exc.retry_after <= self.max_retry_after
        if isinstance(exc, ResponseDecodeError):
            return idempotent and self.retry_decode_errors
        status = exc.status_code
        if status is None or 200 <= status < 300:
            return (
                False  # the server answered, with an error in its body: repeating changes nothing
            )
        if exc.retry_after is not None and exc.retry_after > self.max_retry_after:
            return False
        if status in self.always_statuses:
            return True
        return idempotent and status in self.idempotent_statuses

    def delay(
        self, exc: BaseException | None, attempt: int, *, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after attempt ``attempt`` failed with ``exc``: the server's hint
        (capped at ``max_retry_after``) if it gave one, else full-jitter backoff."""
        hint = getattr(exc, "retry_after", None) if isinstance(exc, APIError) else None
        if isinstance(hint, (int, float)) and not isinstance(hint, bool):
            return min(float(hint), self.max_retry_after)
        return self.backoff(attempt, rng=rng)

    def backoff(self, retry_number: int, *, rng: random.Random | None = None) -> float:
        """Full-jitter backoff for retry ``retry_number`` (1 for the first retry)."""
        cap = min(self.max_delay, self.initial_delay * 2 ** max(0, retry_number - 1))
        return (rng or random).uniform(0, cap)

    # --- the loop ---------------------------------------------------------------------------

    def retrying(
        self,
        *,
        idempotent: bool,
        before_sleep: Callable[[RetryCallState], None] | None = None,
    ) -> AsyncRetrying:
        """A tenacity ``AsyncRetrying`` that applies this policy to one call.

        Imported on use: tenacity is only needed once something has failed.
        """
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome is not None else None
            return self.delay(exc, state.attempt_number)

        return AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait,
            retry=retry_if_exception(lambda exc: self.is_retryable(exc, idempotent=idempotent)),
            before_sleep=before_sleep,
            reraise=True,
        )


#: The policy of a Client created without ``retry=``.
DEFAULT_POLICY = RetryPolicy()
