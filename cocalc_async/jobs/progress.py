"""Live progress of a course job: a tqdm bar with done, failed and retried counts, and each
failure named the moment it happens (not only in the final summary).

Without tqdm (``pip install 'cocalc-async[cli]'``) a plain line goes to stderr every few
seconds and at the end; failures are named as they happen either way.
"""

from __future__ import annotations

import sys
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .course_report import CourseEvent

__all__ = ["CourseProgress"]

#: Seconds between two lines of the plain (no tqdm) report.
PLAIN_EVERY_S = 2.0


class CourseProgress:
    """An event sink for :class:`~cocalc_async.jobs.course.CourseJob` (``on_event``)."""

    def __init__(self, total: int, action: str, *, stream: IO[str] | None = None) -> None:
        self.total = total
        self.action = action
        self.stream = stream if stream is not None else sys.stderr
        self.done = self.failed = self.retried = 0
        self._last_plain = 0.0
        self._bar: Any = None
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self._bar = tqdm(
                total=total,
                desc=action,
                unit="student",
                file=self.stream,
                dynamic_ncols=True,
                mininterval=0.2,  # a redraw at most 5 times a second, even into a log file
            )
            self._postfix()

    def __call__(self, event: CourseEvent) -> None:
        if event.kind == "retry":
            self.retried += 1
            self._say(f"retrying {event.email} (attempt {event.attempt}): {event.error}")
        elif event.kind == "failed":
            self.failed += 1
            self._say(f"FAILED {event.email}: {event.error}")
        elif event.kind == "done":
            self.done += 1
        self._postfix(refresh=event.kind == "retry")
        if event.kind != "retry" and self._bar is not None:
            self._bar.update(1)  # redraws the bar, with the counts just set

    @property
    def line(self) -> str:
        finished = self.done + self.failed
        return (
            f"{self.action}: {finished}/{self.total} students, {self.done} done,"
            f" {self.failed} failed, {self.retried} retried"
        )

    def _postfix(self, refresh: bool = True) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(
                f"done={self.done} failed={self.failed} retried={self.retried}", refresh=refresh
            )
            return
        now = time.monotonic()
        if now - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain = now
            print(self.line, file=self.stream, flush=True)

    def _say(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        else:
            print(self.line, file=self.stream, flush=True)
