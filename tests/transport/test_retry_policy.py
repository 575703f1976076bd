"""RetryPolicy: the decisions, the backoff, and how a client, a call and with_options use one."""

from __future__ import annotations

import random
import warnings

import attrs
import pytest

from cocalc_async import (
    Client,
    MockTransport,
    RetryPolicy,
    Timeout,
    TransportRequest,
    TransportResponse,
    errors,
)

KEY = "sk_retry_policy_key_0123456789"
URL = "https://cocalc.example"


def status_error(status: int, retry_after: float | None = None) -> errors.APIStatusError:
    cls = errors.InternalServerError if status >= 500 else errors.APIStatusError
    return cls("x", status_code=status, retry_after=retry_after)


def conn_error(*, sent: bool, transient: bool = True) -> errors.APIConnectionError:
    return errors.APIConnectionError("x", may_have_reached_server=sent, transient=transient)


@pytest.mark.parametrize(
    ("exc", "idempotent", "expected"),
    [
        (conn_error(sent=False), False, True),  # nothing sent: any call may repeat
        (conn_error(sent=True), False, False),  # may have run: exec, create... never twice
        (conn_error(sent=True), True, True),
        (conn_error(sent=False, transient=False), True, False),  # a bad certificate
        (status_error(503), False, True),  # not processed
        (status_error(502), False, True),
        (status_error(500), False, False),  # the handler may have run
        (status_error(500), True, True),
        (status_error(400), True, False),
        (status_error(503, retry_after=300), True, False),  # longer than max_retry_after
        (errors.RateLimitError("x", status_code=429), False, True),
        (errors.RateLimitError("x", status_code=200, retry_after=5), False, True),
        (errors.RateLimitError("x", status_code=200), True, False),  # throttle text, no hint
        (errors.ResponseDecodeError("x", status_code=200), True, True),
        (errors.ResponseDecodeError("x", status_code=200), False, False),
        (errors.CoCalcAPIError("x", status_code=200), True, False),  # an answer: repeat nothing
        (ValueError("a bug"), True, False),
    ],
)
def test_the_default_decisions(exc: BaseException, idempotent: bool, expected: bool) -> None:
    assert RetryPolicy().is_retryable(exc, idempotent=idempotent) is expected


def test_should_retry_counts_attempts() -> None:
    policy = RetryPolicy(max_retries=2)
    exc = status_error(503)
    assert [policy.should_retry(exc, n, False) for n in (1, 2, 3)] == [True, True, False]
    assert RetryPolicy.never().should_retry(exc, 1, True) is False


def test_delay_is_the_hint_capped_or_full_jitter() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=4.0, max_retry_after=30.0)
    assert policy.delay(status_error(503, retry_after=2.5), 1) == 2.5
    assert policy.delay(errors.RateLimitError("x", status_code=429, retry_after=99), 1) == 30.0
    rng = random.Random(7)
    delays = [policy.delay(conn_error(sent=False), n, rng=rng) for n in range(1, 8) for _ in "ab"]
    assert all(0 <= d <= 4.0 for d in delays)
    assert max(policy.backoff(1, rng=rng) for _ in range(200)) <= 1.0  # 1st retry: [0, initial]


def test_a_policy_is_a_checked_frozen_value() -> None:
    policy = RetryPolicy(always_statuses=[503])
    assert policy.always_statuses == frozenset({503})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(TypeError, match="max_retries"):
        RetryPolicy(max_retries=True)
    assert policy.with_max_retries(5).max_retries == 5
    assert policy.with_max_retries(policy.max_retries) is policy


def flaky(failures: int) -> MockTransport:
    """A server that answers 503 ``failures`` times, then pongs."""

    def handler(request: TransportRequest) -> TransportResponse:
        if len(mock.requests) <= failures:
            return TransportResponse.json(503, {"error": "busy"}, headers={"Retry-After": "0"})
        return TransportResponse.json(200, {"now": 1})

    mock = MockTransport(handler)
    return mock


async def test_client_call_and_with_options_choose_the_policy() -> None:
    mock = flaky(3)
    async with Client(KEY, base_url=URL, transport=mock, retry=RetryPolicy(max_retries=1)) as c:
        assert c.retry.max_retries == 1
        with pytest.raises(errors.ServiceUnavailableError):
            await c.conat.hub.system.ping()  # 2 attempts
        assert len(mock.requests) == 2
        patient = c.with_options(retry=RetryPolicy(max_retries=5))
        assert patient.session is c.session  # the same pool
        await patient.conat.hub.system.ping()  # 1 more failure, then the answer
        assert len(mock.requests) == 4
        assert c.retry.max_retries == 1  # the original keeps its own
        mock2 = flaky(1)
    async with Client(KEY, base_url=URL, transport=mock2) as c:
        with pytest.raises(errors.ServiceUnavailableError):
            await c.call("conat/hub", "system.ping", {}, retry=RetryPolicy.never())
        assert len(mock2.requests) == 1


async def test_max_retries_keeps_working_and_sets_the_policys_count() -> None:
    mock = flaky(5)
    async with Client(KEY, base_url=URL, transport=mock, max_retries=0) as c:
        assert c.retry == RetryPolicy(max_retries=0)
        with pytest.raises(errors.ServiceUnavailableError):
            await c.conat.hub.system.ping()
        assert len(mock.requests) == 1
        with pytest.raises(errors.ServiceUnavailableError):
            await c.conat.hub.system.ping(max_retries=1)
        assert len(mock.requests) == 1 + 2


async def test_with_options_request_timeout_reaches_the_transport() -> None:
    mock = MockTransport(lambda request: TransportResponse.json(200, {"now": 1}))
    async with Client(KEY, base_url=URL, transport=mock, connect_timeout=3) as c:
        slow = c.with_options(request_timeout=300)
        await c.conat.hub.system.ping()
        await slow.conat.hub.system.ping()
        await c.call("conat/hub", "system.ping", {}, request_timeout=Timeout(total=7))
    first, second, third = (r.timeout for r in mock.requests)
    assert (first.total, first.connect) == (60.0, 3)
    assert (second.total, second.connect) == (300.0, 3)  # the clone keeps connect_timeout
    assert third == Timeout(total=7)
    assert c.request_timeout.total == 60.0


def test_the_old_timeout_name_warns_and_means_request_timeout() -> None:
    with pytest.warns(DeprecationWarning, match="request_timeout"):
        client = Client(KEY, base_url=URL, timeout=12)
    assert client.request_timeout == Timeout(connect=10.0, total=12.0)
    with pytest.raises(TypeError, match="not both"):
        Client(KEY, base_url=URL, timeout=12, request_timeout=13)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = Client(KEY, base_url=URL, request_timeout=12, connect_timeout=None)
    assert new.request_timeout == Timeout(connect=None, total=12.0)


async def test_the_old_call_timeout_name_warns_for_a_user() -> None:
    mock = MockTransport(lambda request: TransportResponse.json(200, {"now": 1}))
    async with Client(KEY, base_url=URL, transport=mock) as c:
        with pytest.warns(DeprecationWarning, match="request_timeout"):
            await c.call("conat/hub", "system.ping", {}, timeout=5)
        with pytest.raises(TypeError, match="not both"):
            await c.call("conat/hub", "system.ping", {}, timeout=5, request_timeout=6)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the generated coroutines' own use does not warn
            await c.conat.hub.system.ping(request_timeout=5)
    assert mock.requests[0].timeout.total == 5.0
    assert mock.requests[1].timeout.total == 5.0
