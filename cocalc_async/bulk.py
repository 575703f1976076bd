"""The bulk runner: run one coroutine function over many items with bounded concurrency.

    async for outcome in client.map(fetch_status, project_ids, concurrency=50):
        if outcome.exception is not None:
            print(outcome.item, "failed:", outcome.exception)

A fixed set of ``concurrency`` workers pulls items from the (possibly lazy, possibly async)
iterable and hands outcomes over through a queue of the same size. Nothing is created per item
up front, so a run over 100,000 items (or an endless generator) uses constant memory, as long as
the caller consumes the outcomes as they come. Outcomes arrive in completion order, not input
order; each one carries its item.

Progress is off by default, here as everywhere in the library API (``Client.map``, the course
job functions): a library writes nothing to the terminal unless asked. ``progress=True`` shows a
bar on stderr (tqdm on a terminal, with the ``progress`` extra; a plain line every few seconds
otherwise). The command line turns it on for its own runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from dataclasses import dataclass
from typing import Any, Generic, TextIO, TypeVar

__all__ = ["Outcome", "WorkFn", "map_all", "run_map"]

T = TypeVar("T")
R = TypeVar("R")
#: What the runner calls for each item.
WorkFn = Callable[[T], Awaitable[R]]

#: Seconds between two lines of the plain (non-TTY) progress report.
PLAIN_PROGRESS_EVERY_S = 2.0


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """One item and what became of it: ``result`` on success, else ``exception``."""

    item: T
    result: R | None = None
    exception: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.exception is None


class _Done:
    """The end-of-run marker on the outcome queue (a class, so mypy can narrow it)."""


async def run_map(
    fn: WorkFn[T, R],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = 50,
    progress: bool = False,
    fail_fast: bool = False,
    description: str = "map",
) -> AsyncGenerator[Outcome[T, R], None]:
    """Yield an :class:`Outcome` for every item, running at most ``concurrency`` calls at once.

    ``progress=True`` reports done, failed and rate on stderr; by default nothing is written.
    A failing call never cancels the others; its exception is in its outcome. With
    ``fail_fast=True`` the first failure stops the run: items not yet started are never started,
    calls in flight are cancelled, and that exception is raised from the iteration.

    Leaving the ``async for`` early (``break``) or cancelling the consuming task cancels the
    workers; wrap the iterator in :func:`contextlib.aclosing` to make that immediate on ``break``.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    total = _length_of(items)
    source = _aiter(items)
    # Workers share one iterator; an async generator refuses a second concurrent __anext__.
    source_lock = asyncio.Lock()
    # Bounded: a slow consumer pauses the workers instead of piling up outcomes.
    queue: asyncio.Queue[Outcome[T, R] | _Done] = asyncio.Queue(maxsize=concurrency)
    stop = asyncio.Event()
    source_error: list[BaseException] = []

    async def next_item() -> tuple[bool, Any]:
        async with source_lock:
            if stop.is_set():
                return False, None
            try:
                return True, await source.__anext__()
            except StopAsyncIteration:
                return False, None
            except Exception as exc:  # the iterable itself broke: the whole run ends with it
                source_error.append(exc)
                stop.set()
                return False, None

    async def worker() -> None:
        while True:
            more, item = await next_item()
            if not more:
                return
            try:
                outcome: Outcome[T, R] = Outcome(item, result=await fn(item))
            except Exception as exc:
                outcome = Outcome(item, exception=exc)
                if fail_fast:
                    stop.set()
            await queue.put(outcome)

    async def supervise(workers: list[asyncio.Task[None]]) -> None:
        await asyncio.gather(*workers, return_exceptions=True)
        await queue.put(_Done())

    bar = _Progress.create(progress, total, description)
    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    supervisor = asyncio.create_task(supervise(workers))
    try:
        while True:
            got = await queue.get()
            if isinstance(got, _Done):
                break
            bar.update(got.exception is None)
            if fail_fast and got.exception is not None:
                raise got.exception
            yield got
        if source_error:
            raise source_error[0]
    finally:
        stop.set()
        for task in [*workers, supervisor]:
            task.cancel()
        # Let the cancellations land before returning, so no worker outlives the run.
        await asyncio.gather(*workers, supervisor, return_exceptions=True)
        bar.close()
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


async def map_all(
    fn: WorkFn[T, R],
    items: Iterable[T] | AsyncIterable[T],
    *,
    concurrency: int = 50,
    progress: bool = False,
    fail_fast: bool = False,
    description: str = "map",
) -> list[Outcome[T, R]]:
    """Every outcome of :func:`run_map` as a list (which, unlike the iterator, grows with the input)."""
    out: list[Outcome[T, R]] = []
    run = run_map(
        fn,
        items,
        concurrency=concurrency,
        progress=progress,
        fail_fast=fail_fast,
        description=description,
    )
    async for outcome in run:
        out.append(outcome)
    return out


def _length_of(items: object) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None


async def _aiter(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    # One item at a time from either kind of iterable: a list, a generator, an async generator.
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


class _Progress:
    """Done, failed and rate: a tqdm bar on a terminal, else a plain line every few seconds."""

    def __init__(self, total: int | None, description: str, stream: TextIO | None) -> None:
        self.total = total
        self.description = description
        self.stream = stream
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self.last_line = self.started
        self.bar: Any = None

    @classmethod
    def create(cls, enabled: bool, total: int | None, description: str) -> _Progress:
        if not enabled:
            return cls(total, description, None)
        self = cls(total, description, sys.stderr)
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm  # the optional "progress" extra
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, desc=description, unit="item", file=sys.stderr)
        return self

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if self.stream is None:
            return
        if self.bar is not None:
            self.bar.update(1)
            if not ok:
                self.bar.set_postfix(failed=self.failed, refresh=False)
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_PROGRESS_EVERY_S:
            self.last_line = now
            self._line(now)

    def _line(self, now: float) -> None:
        assert self.stream is not None
        rate = self.done / max(now - self.started, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        print(
            f"{self.description}: {self.done}{of} done, {self.failed} failed, {rate:.1f}/s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.stream is not None and self.done:
            self._line(time.monotonic())
