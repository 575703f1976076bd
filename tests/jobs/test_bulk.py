"""The bulk runner: bounded workers, partial failures, fail_fast, cancellation, flat memory."""

from __future__ import annotations

import asyncio
import contextlib
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from cocalc_async.bulk import Outcome, map_all, run_map


async def test_every_item_once_and_concurrency_bounded() -> None:
    running = peak = 0

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        return n * n

    outcomes = await map_all(work, range(500), concurrency=7, progress=False)
    assert sorted(o.item for o in outcomes) == list(range(500))
    assert all(o.result == o.item * o.item and o.exception is None for o in outcomes)
    assert peak == 7


async def test_partial_failures_are_reported_not_fatal() -> None:
    async def work(n: int) -> int:
        if n % 10 == 3:
            raise ValueError(f"bad {n}")
        return n

    outcomes = await map_all(work, range(100), concurrency=5, progress=False)
    failed = [o for o in outcomes if not o.ok]
    assert len(outcomes) == 100
    assert sorted(o.item for o in failed) == list(range(3, 100, 10))
    assert all(isinstance(o.exception, ValueError) and o.result is None for o in failed)


async def test_fail_fast_raises_and_starts_no_more_items() -> None:
    started: list[int] = []

    async def work(n: int) -> int:
        started.append(n)
        await asyncio.sleep(0.01)
        if n == 2:
            raise KeyError("stop")
        return n

    with pytest.raises(KeyError):
        await map_all(work, range(1000), concurrency=4, progress=False, fail_fast=True)
    assert len(started) < 20


async def test_no_task_per_item_and_lazy_async_source() -> None:
    produced = 0

    async def source() -> AsyncIterator[int]:
        nonlocal produced
        for i in range(2000):
            produced += 1
            yield i

    max_tasks = 0

    async def work(n: int) -> int:
        nonlocal max_tasks
        max_tasks = max(max_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        return n

    count = 0
    async for _ in run_map(work, source(), concurrency=10, progress=False):
        count += 1
        # the source is pulled as workers free up, never drained ahead
        assert produced <= count + 10 + 10 + 1
    assert count == 2000
    assert max_tasks <= 10 + 3  # workers, the supervisor, the test's own task


async def test_cancelling_the_consumer_cancels_the_workers() -> None:
    cancelled = 0

    async def work(n: int) -> int:
        nonlocal cancelled
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return n

    async def consume() -> None:
        async for _ in run_map(work, range(100), concurrency=8, progress=False):
            pass

    before = len(asyncio.all_tasks())
    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled == 8
    assert len(asyncio.all_tasks()) == before


async def test_breaking_out_stops_the_run() -> None:
    calls = 0

    async def work(n: int) -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return n

    async with contextlib.aclosing(
        run_map(work, range(10_000), concurrency=4, progress=False)
    ) as it:
        async for outcome in it:
            if outcome.item >= 20:
                break
    await asyncio.sleep(0.01)
    assert calls < 100


async def _peak_bytes(n: int) -> int:
    async def work(i: int) -> int:
        return i

    tracemalloc.start()
    try:
        count = 0
        async for outcome in run_map(work, range(n), concurrency=50, progress=False):
            count += outcome.ok
        assert count == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_memory_is_flat_at_100_000_items() -> None:
    small = await _peak_bytes(10_000)
    large = await _peak_bytes(100_000)
    # Ten times the items, about the same peak: nothing is kept per item. A runner that made a
    # task or kept an outcome per item would need tens of megabytes here.
    assert large < small * 1.5 + 256 * 1024, (small, large)
    assert large < 4 * 1024 * 1024


async def test_plain_progress_line_when_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    async def work(n: int) -> int:
        if n == 1:
            raise RuntimeError("x")
        return n

    outcomes: list[Outcome[int, int]] = await map_all(work, range(5), progress=True)
    assert len(outcomes) == 5
    err = capsys.readouterr().err
    assert "map: 5/5 done, 1 failed" in err


async def test_source_errors_end_the_run() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise OSError("roster unreadable")

    async def work(n: int) -> int:
        return n

    with pytest.raises(OSError, match="roster unreadable"):
        await map_all(work, source(), progress=False)


# --- progress: quiet by default everywhere in the library API ----------------------------------


async def test_progress_is_off_by_default_and_on_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def work(n: int) -> int:
        return n

    outcomes = await map_all(work, range(20), concurrency=4)
    async for _ in run_map(work, range(20), concurrency=4):
        pass
    assert len(outcomes) == 20
    assert capsys.readouterr().err == ""  # nothing written unless asked
    await map_all(work, range(20), concurrency=4, progress=True, description="squares")
    assert "squares: 20/20 done, 0 failed" in capsys.readouterr().err


def test_every_library_entry_point_defaults_to_no_progress() -> None:
    import inspect

    from cocalc_async import Client
    from cocalc_async.jobs import collect_course, course_status, provision_course, return_course

    entry_points: list[Callable[..., Any]] = [run_map, map_all, Client.map, Client.map_all]
    entry_points += [provision_course, collect_course, return_course, course_status]
    for fn in entry_points:
        assert inspect.signature(fn).parameters["progress"].default is False, fn.__qualname__
