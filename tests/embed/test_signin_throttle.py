"""The emulator's sign-in throttle on its own: per-email and per-IP windows, exact texts."""

from __future__ import annotations

import pytest

from cocalc_async.testing.web import signin_throttle
from cocalc_async.testing.web.signin_throttle import SignInThrottle


def test_email_is_refused_after_more_than_five_failures_a_minute() -> None:
    throttle = SignInThrottle()
    for _ in range(5):
        throttle.record_failure("A@x.org", "1.2.3.4")
    assert throttle.check("a@x.org", "1.2.3.4") is None  # 5 failures: still allowed
    throttle.record_failure("a@x.org", "1.2.3.4")
    assert throttle.check("A@x.org", "1.2.3.4") == (
        'Too many attempts per minute to sign in as "A@x.org". Wait one minute, then try again.'
    )
    assert throttle.check("b@x.org", "1.2.3.4") is None  # other emails are unaffected
    throttle.reset()
    assert throttle.check("a@x.org", "1.2.3.4") is None


def test_ip_is_refused_after_more_than_thirty_failures_a_minute() -> None:
    throttle = SignInThrottle()
    for i in range(31):
        throttle.record_failure(f"user{i}@x.org", "9.9.9.9")
    assert throttle.check("new@x.org", "9.9.9.9") == (
        "Too many attempts per minute to sign in from your computer. Wait one minute, then try again."
    )
    assert throttle.check("new@x.org", "8.8.8.8") is None


class _FakeTime:
    def __init__(self, clock: list[float]) -> None:
        self.clock = clock

    def monotonic(self) -> float:
        return self.clock[0]


def test_hour_window_counts_failures_older_than_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(signin_throttle, "time", _FakeTime(clock))
    throttle = SignInThrottle()
    for _ in range(51):
        throttle.record_failure("a@x.org", None)
        clock[0] += 61.0  # never more than one failure in any minute
    assert throttle.check("a@x.org", None) == (
        'Too many attempts per hour to sign in as "a@x.org". Wait about an hour, then try again.'
    )
    clock[0] += 3600.0
    assert throttle.check("a@x.org", None) is None
