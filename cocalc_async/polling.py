"""Waiting for long operations: copies (v1 and v2) and async exec jobs (v2).

Every wait is a loop of short calls through ``Client.call`` with sleeps in between. The Session
holds a connection and a concurrency slot only for the duration of one attempt, so a sleeping
poller holds neither, and thousands of waits can share one client. Cancelling the waiting task
stops the polling at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import (
    APIConnectionError,
    CopyFailedError,
    ExecFailedError,
    PollTimeoutError,
    ResponseValidationError,
)

if TYPE_CHECKING:
    from ._generated._support import Caller
    from ._generated.v1 import V1
    from ._generated.v2 import V2
    from .client import Client
    from .models.copy import CopyPathStatus
    from .models.exec import ExecResult

__all__ = [
    "ExecJob",
    "copy_path_and_wait",
    "poll",
    "start_exec_job",
    "wait_for_copy",
    "wait_for_copy_v2",
]

S = TypeVar("S")

#: Growth of the pause between polls, and how much of it is randomised (so that many pollers
#: started together spread out instead of hitting the server in lockstep).
BACKOFF_FACTOR = 1.5
JITTER = 0.2
#: Seconds one ``async_await`` call may hang in the server before we reconnect. Proxies in front
#: of CoCalc cut idle requests after about a minute, so a shorter hang is reconnected sooner.
EXEC_AWAIT_SLICE_S = 50.0
#: How much longer the HTTP request may take than the server-side hang.
EXEC_AWAIT_MARGIN_S = 15.0


class _DeadlinePassed(Exception):
    """The polling deadline passed while a call was still running (it has been cancelled)."""


async def _within(call: Awaitable[S], seconds: float) -> S:
    """Await ``call`` for at most ``seconds``; cancel it and raise :class:`_DeadlinePassed` after.

    Not ``asyncio.wait_for``: before Python 3.12 it returns the result and swallows the caller's
    cancellation when both land in the same loop step (CPython gh-86296), and the waiter then
    polls on. ``asyncio.wait`` never swallows it, and a ``TimeoutError`` raised by the call itself
    is not mistaken for the deadline.
    """
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait((task,), timeout=seconds)
    except BaseException:
        task.cancel()  # our caller was cancelled: the call goes too
        await asyncio.wait((task,))
        raise
    if not done:
        task.cancel()
        await asyncio.wait((task,))  # let it close its connection before we report
        raise _DeadlinePassed
    return task.result()


def _v1(client: Caller) -> V1:
    # A Client's cached ``client.v1``; any other Caller gets the same generated class around it.
    from ._generated.v1 import V1

    ns = getattr(client, "v1", None)
    return ns if isinstance(ns, V1) else V1(client)


def _v2(client: Caller) -> V2:
    from ._generated.v2 import V2

    ns = getattr(client, "v2", None)
    return ns if isinstance(ns, V2) else V2(client)


async def poll(
    fetch: Callable[[], Awaitable[S]],
    is_done: Callable[[S], bool],
    *,
    timeout: float = 600.0,
    interval: float = 0.5,
    max_interval: float = 10.0,
) -> S:
    """Call ``fetch`` until ``is_done`` holds for its result, and return that result.

    The first call is made at once (the operation may be finished already); then the pause grows
    from ``interval`` by :data:`BACKOFF_FACTOR` up to ``max_interval``, each pause randomised by
    ±:data:`JITTER`. A call still running at the deadline is cancelled. Raises
    :class:`PollTimeoutError` carrying the last result seen (``None`` if there was none).
    """
    if timeout <= 0 or interval <= 0 or max_interval < interval:
        raise ValueError("need timeout > 0, interval > 0 and max_interval >= interval")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = interval
    last: S | None = None
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise PollTimeoutError(last, f"still not done after {timeout:g} s of polling")
        try:
            last = await _within(fetch(), remaining)
        except _DeadlinePassed:
            raise PollTimeoutError(last, f"still not done after {timeout:g} s of polling") from None
        if is_done(last):
            return last
        pause = min(delay * random.uniform(1 - JITTER, 1 + JITTER), deadline - loop.time())
        if pause > 0:
            await asyncio.sleep(pause)
        delay = min(delay * BACKOFF_FACTOR, max_interval)


def _check_copy(status: CopyPathStatus) -> CopyPathStatus:
    if status.error not in (None, ""):
        raise CopyFailedError(status)
    return status


async def wait_for_copy(
    client: Caller,
    copy_path_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.5,
    max_interval: float = 10.0,
) -> CopyPathStatus:
    """Poll v1 ``copy_path_status`` until the copy finishes; return its final status.

    Raises :class:`CopyFailedError` when it finished with an error and :class:`PollTimeoutError`
    when ``timeout`` seconds pass first. An empty ``copy_path_id`` (the server already waited,
    reference §10.1) is refused: there is nothing to poll, and the server would reject ``""``.
    """
    if not copy_path_id:
        raise ValueError("an empty copy_path_id means the copy already finished; do not poll it")
    from .models.copy import CopyPathStatus

    v1 = _v1(client)

    async def fetch() -> CopyPathStatus:
        reply = await v1.copy_path_status(copy_path_id=copy_path_id)
        if not isinstance(reply.data, CopyPathStatus):
            raise ResponseValidationError(
                "copy_path_status answered a list for a single copy_path_id",
                path="$.data",
                model="CopyPathStatus",
            )
        return reply.data

    status = await poll(
        fetch, _finished, timeout=timeout, interval=interval, max_interval=max_interval
    )
    return _check_copy(status)


async def wait_for_copy_v2(
    client: Caller,
    copy_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.5,
    max_interval: float = 10.0,
) -> CopyPathStatus:
    """:func:`wait_for_copy` for v2: polls ``projects/copy-path-status`` with ``copy_id``."""
    if not copy_id:
        raise ValueError("an empty copy_id means the copy already finished; do not poll it")
    projects = _v2(client).projects

    async def fetch() -> CopyPathStatus:
        return await projects.copy_path_status(copy_id=copy_id)

    status = await poll(
        fetch, _finished, timeout=timeout, interval=interval, max_interval=max_interval
    )
    return _check_copy(status)


def _finished(status: CopyPathStatus) -> bool:
    return status.finished is not None


async def copy_path_and_wait(
    client: Client,
    src_project_id: str,
    src_path: str,
    target_project_id: str,
    target_path: str | None = None,
    *,
    timeout: float = 600.0,
    **options: Any,
) -> CopyPathStatus | None:
    """v1 ``copy_path_between_projects`` then :func:`wait_for_copy`, the safe way.

    A positional-argument spelling of ``client.v1.copy_path_between_projects(..., wait=True)``,
    which does the work.

    The server is always asked not to wait (its own wait gives up after 4 minutes) and the copy
    is polled instead. Returns the final status, or ``None`` when the server answered that the
    copy was already done (no id to poll). ``options`` go to the endpoint (``overwrite_newer``,
    ``delete_missing``, ``backup``, ``exclude``, ...).
    """
    options.pop("wait_until_done", None)  # wait=True sends wait_until_done=False itself
    return await _v1(client).copy_path_between_projects(
        src_project_id=src_project_id,
        src_path=src_path,
        target_project_id=target_project_id,
        target_path=target_path,
        wait=True,
        wait_timeout=timeout,
        **options,
    )


class ExecJob:
    """A command running in a project as a v2 async exec job (``async_call``).

    Get one from :meth:`Client.exec_job`. ``job_id`` names it on the server, which keeps the
    last 100 jobs of a project for an hour.
    """

    def __init__(self, client: Client, project_id: str, command: str, started: ExecResult) -> None:
        if not started.job_id:
            raise ResponseValidationError(
                "exec with async_call answered without a job_id",
                path="$.job_id",
                model="ExecResult",
            )
        self._client = client
        self.project_id = project_id
        self.command = command
        self.job_id: str = started.job_id
        #: The latest state seen from the server.
        self.last: ExecResult = started

    def __repr__(self) -> str:
        return f"ExecJob(job_id={self.job_id!r}, status={self.last.status!r})"

    async def status(self, *, stats: bool = False) -> ExecResult:
        """The job's current state (``status`` is ``running``, ``completed`` or ``error``)."""
        self.last = await _v2(self._client).exec(
            project_id=self.project_id,
            command=self.command,
            async_get=self.job_id,
            async_stats=stats or None,
        )
        return self.last

    async def wait(self, *, timeout: float = 600.0) -> ExecResult:
        """Wait for the job to end and return its result.

        Uses the server's hanging ``async_await`` call in slices of at most
        :data:`EXEC_AWAIT_SLICE_S` seconds, reconnecting after each slice and after a dropped
        connection. Raises :class:`ExecFailedError` (with stdout, stderr and the exit code) when
        the job ended with status ``error``, and :class:`PollTimeoutError` after ``timeout``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        v2 = _v2(self._client)
        while self.last.running or self.last.status is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise PollTimeoutError(self.last, f"exec job {self.job_id} still running")
            hang = max(1.0, min(EXEC_AWAIT_SLICE_S, remaining))
            try:
                self.last = await _within(
                    v2.exec(
                        project_id=self.project_id,
                        command=self.command,
                        async_get=self.job_id,
                        async_await=True,
                        timeout=hang,
                        request_timeout=hang + EXEC_AWAIT_MARGIN_S,
                    ),
                    remaining,
                )
            except _DeadlinePassed:
                raise PollTimeoutError(self.last, f"exec job {self.job_id} still running") from None
            except APIConnectionError:
                # A proxy cut the hanging request: the job runs on regardless, so reconnect
                # after a short pause rather than hammering a server that may be restarting.
                await asyncio.sleep(min(1.0, max(0.0, deadline - loop.time())))
        return _check_exec(self.last)


def _check_exec(result: ExecResult) -> ExecResult:
    if result.status == "error":
        text = (result.stderr or "").strip().splitlines()
        raise ExecFailedError(
            f"exec job failed: {text[-1] if text else 'no error text'}",
            stdout=result.stdout,
            stderr=result.stderr,
            exit_code=result.exit_code,
            result=result,
        )
    return result


async def start_exec_job(
    client: Client,
    project_id: str,
    command: str,
    *,
    args: Sequence[str] | None = None,
    path: str | None = None,
    timeout: float = 60,
    max_output: int | None = None,
    bash: bool = False,
    err_on_exit: bool = True,
    env: Mapping[str, str] | None = None,
) -> ExecJob:
    """Start ``command`` as a v2 async exec job and return the :class:`ExecJob` at once.

    ``timeout`` bounds the command's run time on the server (seconds). With ``err_on_exit``
    false, a non-zero exit is a ``completed`` job with that ``exit_code`` rather than an error.
    """
    started = await _v2(client).exec(
        project_id=project_id,
        command=command,
        args=args,
        path=path,
        timeout=timeout,
        max_output=max_output,
        bash=bash,
        err_on_exit=err_on_exit,
        env=env,
        async_call=True,
    )
    return ExecJob(client, project_id, command, started)
