"""Every fault of the proxy ends in a result or a typed error, and a short soak through it loses,
hangs and duplicates nothing (``python -m benchmarks.soak`` runs the long one)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator

import pytest

from cocalc_async import Client, Timeout, errors

from .fault_proxy import FORWARDED, Fault, FaultProxy, FaultSchedule, Upstream, run_soak

KEY = "sk_fault_proxy_Key_0123456789"

#: What one ping (no retries) gets from each fault, and whether its handler ran upstream.
EXPECTED: dict[Fault, type[Exception] | None] = {
    Fault.LATENCY: None,
    Fault.RESET_BEFORE: errors.APIConnectionError,
    Fault.RESET_MID_BODY: errors.APIConnectionError,
    Fault.TRUNCATE: errors.APIConnectionError,
    Fault.GARBAGE_STATUS: errors.APIConnectionError,
    Fault.SLOWLORIS: errors.APITimeoutError,
    Fault.HUGE_HEADERS: errors.APIConnectionError,
    Fault.ENDLESS_CHUNKED: errors.ResponseTooLargeError,
    Fault.WRONG_ENCODING: errors.APIConnectionError,
    Fault.STALE_KEEPALIVE: None,
}


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = await Upstream().start()
    yield server
    await server.stop()


def test_the_schedule_is_seeded() -> None:
    first = FaultSchedule(7, 0.3)
    second = FaultSchedule(7, 0.3)
    a = [first.next() for _ in range(500)]
    assert a == [second.next() for _ in range(500)]
    assert a != [FaultSchedule(8, 0.3).next() for _ in range(500)]
    assert 100 < sum(f is not None for f in a) < 200
    with pytest.raises(ValueError, match="rate"):
        FaultSchedule(1, 1.5)


@pytest.mark.parametrize("fault", list(Fault), ids=lambda f: f.value)
async def test_each_fault_ends_in_a_result_or_a_typed_error(
    upstream: Upstream, fault: Fault
) -> None:
    proxy = await FaultProxy(upstream.address, FaultSchedule(1, 1.0, [fault])).start()
    started = time.monotonic()
    try:
        async with Client(
            KEY,
            base_url=proxy.url,
            max_retries=0,
            # A slowloris keeps every read under the 0.5 s read timeout: only `total` bounds it.
            request_timeout=Timeout(connect=2, read=0.5, total=2),
            max_response_bytes=256 * 2**10,
        ) as client:
            expected = EXPECTED[fault]
            if expected is None:
                answer = await client.call("v1", "ping")
                assert isinstance(answer, dict)
                assert answer["event"] == "pong"
            else:
                with pytest.raises(expected) as info:
                    await client.call("v1", "ping")
                assert "sk_fault_proxy" not in repr(info.value) + str(info.value.__cause__)
    finally:
        await proxy.stop()
    assert time.monotonic() - started < 4
    assert (len(upstream.runs) == 1) is (fault in FORWARDED)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts sockets in /proc")
async def test_a_short_soak_through_the_fault_proxy() -> None:
    report = await asyncio.wait_for(
        run_soak(calls=2000, concurrency=200, connection_limit=50, rate=0.05), 120
    )
    print("\nsoak:", report.as_dict())
    assert report.hung == 0
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.misreported_unsent == 0
    assert report.ok + sum(report.errors.values()) + report.hung == report.calls
    assert report.ok >= 0.9 * report.calls
    assert len(report.faults) >= 7  # most kinds were injected at least once
    assert report.creates_ok <= report.creates_ran <= report.creates
    assert report.sockets_after_close <= 0  # nothing leaked once everything closed
