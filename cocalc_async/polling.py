"""Waiting for long operations: copies (v1 and v2) and async exec jobs (v2 and conat).

Every wait is a loop of short calls through the generated coroutines with sleeps in between. The
Session holds a connection and a concurrency slot only for the duration of one attempt, so a
sleeping poller holds neither, and thousands of waits can share one client. Cancelling the
waiting task stops the polling at once.

Two timeouts meet here and are kept apart by name (docs/timeouts.md): ``exec_timeout`` is the
server's limit on the command's run time, ``wait_timeout`` how long we keep polling. The older
``timeout=`` spelling of either still works and warns.

Everything here needs only a :class:`~cocalc_async._runtime.Caller` (``Client`` is one), so this
module never imports the client.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ._runtime import CallAs
from ._types import NOT_GIVEN
from .errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    CoCalcError,
    CopyFailedError,
    ExecFailedError,
    ExecJobPollError,
    PollTimeoutError,
    ResponseValidationError,
)

if TYPE_CHECKING:
    from ._generated.conat import Conat
    from ._generated.v1 import V1
    from ._generated.v2 import V2
    from ._runtime import Caller
    from .models.copy import CopyPathStatus
    from .models.exec import ExecResult

__all__ = [
    "ExecJob",
    "ExecVia",
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
#: Seconds one ``async_await`` poll may hang before we close it and poll again. The hub and the
#: proxies in front of it cut a hanging request after about a minute; closing it ourselves a
#: little earlier makes the reconnect ours, not a 502.
EXEC_AWAIT_SLICE_S = 50.0
#: How much longer the HTTP request may take than the hang asked of the conat bridge.
EXEC_AWAIT_MARGIN_S = 15.0
#: Bridge time limit (s) for a conat exec call that does not hang (start, status).
CONAT_POLL_TIMEOUT_S = 30.0
#: Pause before polling again after a hanging poll was cut off.
CUT_OFF_PAUSE_S = 1.0
#: How long :meth:`ExecJob.cancel` waits for a just-started job to report its pid.
PID_POLLS = 20
PID_POLL_INTERVAL_S = 0.1
#: How long :meth:`ExecJob.cancel` waits for the signalled job to end.
CANCEL_WAIT_S = 5.0
#: How long a wait polls unless told otherwise (``wait_timeout``).
DEFAULT_WAIT_TIMEOUT_S = 600.0


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
        await _cancel_and_settle(task)  # our caller was cancelled: the call goes too
        raise
    if not done:
        await _cancel_and_settle(task)  # let it close its connection before we report
        raise _DeadlinePassed
    return task.result()


async def _cancel_and_settle(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait for it to end, consuming whatever it ended with.

    A cancelled call may still end with an error of its own (aiohttp turns a cancel that meets
    its timer into a timeout); nobody wants that error any more, and left unread asyncio would
    log "Task exception was never retrieved".
    """
    task.cancel()
    await asyncio.wait((task,))
    if not task.cancelled():
        task.exception()


def _v1(client: Caller) -> V1:
    # A Client's cached ``client.v1``; any other Caller gets the same generated class around it.
    from ._generated.v1 import V1

    ns = getattr(client, "v1", None)
    return ns if isinstance(ns, V1) else V1(client)


def _v2(client: Caller) -> V2:
    from ._generated.v2 import V2

    ns = getattr(client, "v2", None)
    return ns if isinstance(ns, V2) else V2(client)


def _conat(client: Caller) -> Conat:
    from ._generated.conat import Conat

    ns = getattr(client, "conat", None)
    return ns if isinstance(ns, Conat) else Conat(client)


def _renamed(
    where: str, new: str, value: float | None, old_value: float | None, *, stacklevel: int = 3
) -> float | None:
    """``value``, or the deprecated ``timeout=`` it replaces (with a DeprecationWarning that
    points ``stacklevel`` frames up: at the user's call)."""
    if old_value is None:
        return value
    if value is not None:
        raise TypeError(f"{where}: give {new} only; timeout is its old name")
    warnings.warn(
        f"{where}: timeout= is deprecated, use {new}= (docs/timeouts.md)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return old_value


def resolve_wait_timeout(
    where: str, wait_timeout: float | None, timeout: float | None, default: float
) -> float:
    """The polling deadline from ``wait_timeout`` or its deprecated name ``timeout``; called
    directly by the public function or method whose caller a warning should name."""
    value = _renamed(where, "wait_timeout", wait_timeout, timeout, stacklevel=4)
    return default if value is None else value


async def poll(
    fetch: Callable[[], Awaitable[S]],
    is_done: Callable[[S], bool],
    *,
    wait_timeout: float | None = None,
    interval: float = 0.5,
    max_interval: float = 10.0,
    timeout: float | None = None,
) -> S:
    """Call ``fetch`` until ``is_done`` holds for its result, and return that result.

    The first call is made at once (the operation may be finished already); then the pause grows
    from ``interval`` by :data:`BACKOFF_FACTOR` up to ``max_interval``, each pause randomised by
    ±:data:`JITTER`. A call still running when ``wait_timeout`` seconds (default 600) have
    passed is cancelled. Raises :class:`PollTimeoutError` carrying the last result seen (``None``
    if there was none). ``timeout`` is the deprecated name of ``wait_timeout``.
    """
    timeout = resolve_wait_timeout("poll", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S)
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
    wait_timeout: float | None = None,
    interval: float = 0.5,
    max_interval: float = 10.0,
    timeout: float | None = None,
) -> CopyPathStatus:
    """Poll v1 ``copy_path_status`` until the copy finishes; return its final status.

    Raises :class:`CopyFailedError` when it finished with an error and :class:`PollTimeoutError`
    when ``wait_timeout`` seconds (default 600) pass first; ``timeout`` is its deprecated name.
    An empty ``copy_path_id`` (the server already waited, as kucalc answers with
    ``wait_until_done``) is refused: there is nothing to poll, and the server would reject ``""``.
    """
    wait_s = resolve_wait_timeout("wait_for_copy", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S)
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
        fetch, _finished, wait_timeout=wait_s, interval=interval, max_interval=max_interval
    )
    return _check_copy(status)


async def wait_for_copy_v2(
    client: Caller,
    copy_id: str,
    *,
    wait_timeout: float | None = None,
    interval: float = 0.5,
    max_interval: float = 10.0,
    timeout: float | None = None,
) -> CopyPathStatus:
    """:func:`wait_for_copy` for v2: polls ``projects/copy-path-status`` with ``copy_id``."""
    wait_s = resolve_wait_timeout("wait_for_copy_v2", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S)
    if not copy_id:
        raise ValueError("an empty copy_id means the copy already finished; do not poll it")
    projects = _v2(client).projects

    async def fetch() -> CopyPathStatus:
        return await projects.copy_path_status(copy_id=copy_id)

    status = await poll(
        fetch, _finished, wait_timeout=wait_s, interval=interval, max_interval=max_interval
    )
    return _check_copy(status)


def _finished(status: CopyPathStatus) -> bool:
    return status.finished is not None


async def copy_path_and_wait(
    client: Caller,
    src_project_id: str,
    src_path: str,
    target_project_id: str,
    target_path: str | None = None,
    *,
    wait_timeout: float | None = None,
    timeout: float | None = None,
    **options: Any,
) -> CopyPathStatus | None:
    """v1 ``copy_path_between_projects`` then :func:`wait_for_copy`, the safe way.

    A positional-argument spelling of ``client.v1.copy_path_between_projects(..., wait=True)``,
    which does the work.

    The server is always asked not to wait (its own wait gives up after 4 minutes) and the copy
    is polled instead. Returns the final status, or ``None`` when the server answered that the
    copy was already done (no id to poll). ``options`` go to the endpoint (``overwrite_newer``,
    ``delete_missing``, ``backup``, ``exclude``, ...). ``wait_timeout`` (default 600 s) bounds
    the polling; ``timeout`` is its deprecated name.
    """
    wait_s = resolve_wait_timeout(
        "copy_path_and_wait", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S
    )
    options.pop("wait_until_done", None)  # wait=True sends wait_until_done=False itself
    return await _v1(client).copy_path_between_projects(
        src_project_id=src_project_id,
        src_path=src_path,
        target_project_id=target_project_id,
        target_path=target_path,
        wait=True,
        wait_timeout=wait_s,
        **options,
    )


ExecVia = Literal["v2", "conat"]

#: The signal :meth:`ExecJob.cancel` sends by default (SIGTERM).
SIGTERM = 15


class ExecJob:
    """A command running in a project as an async exec job (``async_call``).

    Get one from :meth:`Client.exec_job`. ``job_id`` names it on the server, which keeps the
    last 100 jobs of a project for an hour. ``via`` is the route it was started through and is
    polled through: ``"v2"`` (``POST /api/v2/exec``) or ``"conat"`` (the project bridge's
    ``system.exec``).

    Polls are sent in CoCalc's own form, ``{project_id, async_get, async_stats[, async_await]}``
    and nothing else (``src/packages/next/lib/api/schema/exec.ts`` @5cb3315c30: the async branch
    of ``ExecInputSchema`` has no ``command``). A poll that carried ``command`` would be parsed as
    a new blocking command by a hub that validates its input, and run again.
    """

    def __init__(
        self,
        client: Caller,
        project_id: str,
        command: str,
        started: ExecResult,
        *,
        via: ExecVia = "v2",
    ) -> None:
        if not started.job_id:
            raise ResponseValidationError(
                "exec with async_call answered without a job_id",
                path="$.job_id",
                model="ExecResult",
            )
        if via not in ("v2", "conat"):
            raise ValueError(f"via must be 'v2' or 'conat', got {via!r}")
        self._client = client
        self.project_id = project_id
        self.command = command
        self.via: ExecVia = via
        self.job_id: str = started.job_id
        #: The latest state seen from the server.
        self.last: ExecResult = started

    def __repr__(self) -> str:
        return f"ExecJob(job_id={self.job_id!r}, status={self.last.status!r}, via={self.via!r})"

    async def _poll(self, *, stats: bool, hang: float | None) -> ExecResult:
        """One poll; ``hang`` (seconds) makes it the hanging ``async_await`` call.

        Only ``project_id``, ``async_get``, ``async_stats`` and, for a hanging poll,
        ``async_await`` are sent: the generated coroutines send only the arguments given.
        """
        # A poll in this form reads the job and never starts one, so it may be repeated; a
        # status poll keeps the client's own timeout, a hanging one the slice (below).
        reader = CallAs(self._client, idempotent=True, client_timeout=hang is None)
        wait = True if hang is not None else NOT_GIVEN
        retries = None if hang is None else 0
        if self.via == "v2":
            # v2 has no way to tell the hub how long to hang: the slice is our own read limit.
            result = await _v2_of(reader).exec(
                project_id=self.project_id,
                async_get=self.job_id,
                async_stats=stats,
                async_await=wait,
                request_timeout=hang,
                max_retries=retries,
            )
        else:
            # The bridge's own limit is 15 s unless the body says otherwise
            # (src/packages/server/api/project-bridge.ts:8 @5cb3315c30).
            bridge_s = CONAT_POLL_TIMEOUT_S if hang is None else hang
            result = await _conat_of(reader).project.system.exec(
                self.project_id,
                async_get=self.job_id,
                async_stats=stats,
                async_await=wait,
                rpc_timeout=bridge_s,
                request_timeout=bridge_s + EXEC_AWAIT_MARGIN_S,
                max_retries=retries,
            )
        return self._accept(result)

    def _accept(self, result: ExecResult) -> ExecResult:
        if result.type != "async":
            raise ExecJobPollError(
                f"the server answered a poll of exec job {self.job_id} as a {result.type!r} "
                "command, not with the job's state: it may have run a command again, so "
                "polling stops here",
                result=result,
            )
        if result.job_id not in (None, self.job_id):
            raise ExecJobPollError(
                f"a poll of exec job {self.job_id} answered for job {result.job_id}",
                result=result,
            )
        self.last = result
        return result

    async def status(self, *, stats: bool = False) -> ExecResult:
        """The job's current state (``status`` is ``running``, ``completed`` or ``error``).

        ``stats=True`` asks for the CPU and memory samples the project recorded.
        """
        return await self._poll(stats=stats, hang=None)

    async def wait(
        self,
        *,
        wait_timeout: float | None = None,
        await_slice: float = EXEC_AWAIT_SLICE_S,
        timeout: float | None = None,
    ) -> ExecResult:
        """Wait for the job to end and return its result.

        Uses the server's hanging ``async_await`` poll, at most ``await_slice`` seconds per
        call (through conat the bridge is told so; through v2 the call is closed after that
        long). When the call is cut before the job ends (the hub's own limit answers
        ``{"error": "undefined"}``, the conat bridge ``timeout … code='408'``, a proxy a 502 or
        504, or the connection drops) it polls again, until ``wait_timeout`` seconds (default
        600) have passed. ``timeout`` is the deprecated name of ``wait_timeout``.

        Raises:
            ExecFailedError: the job ended with status ``error`` (stdout, stderr, exit code).
            ExecJobPollError: a poll was answered as a new command (it may have run again).
            PollTimeoutError: ``wait_timeout`` passed first; the job runs on in the project.
        """
        timeout = resolve_wait_timeout(
            "ExecJob.wait", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S
        )
        if not timeout > 0 or not await_slice > 0:
            raise ValueError("need wait_timeout > 0 and await_slice > 0")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last.running or self.last.status is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise PollTimeoutError(self.last, f"exec job {self.job_id} still running")
            hang = min(await_slice, remaining)
            try:
                await _within(self._poll(stats=False, hang=hang), remaining)
            except _DeadlinePassed:
                raise PollTimeoutError(self.last, f"exec job {self.job_id} still running") from None
            except CoCalcError as err:
                if not _cut_off(err):
                    raise
                # The hanging call was cut, not the job: it runs on, so poll again after a
                # short pause (a server that is restarting is not hammered).
                await asyncio.sleep(min(CUT_OFF_PAUSE_S, max(0.0, deadline - loop.time())))
        return _check_exec(self.last)

    async def cancel(self, *, signal: int = SIGTERM) -> ExecResult:
        """Stop the job on the server and return its state once it has ended (or, if it is
        still running :data:`CANCEL_WAIT_S` seconds after the signal, its state then).

        Sends ``signal`` to the job's process group through the project's conat
        ``system.signal`` (CoCalc starts each command as the leader of its own process group,
        ``detached: true`` in ``src/packages/backend/execute-code.ts`` @5cb3315c30, so ``-pid``
        reaches its children too). A job that has already ended is left alone.
        """
        if isinstance(signal, bool) or not isinstance(signal, int) or not 0 < signal < 65:
            raise ValueError(f"signal must be a signal number 1..64, got {signal!r}")
        # Fresh state, never a remembered pid: the job may have ended and its pid been reused.
        state = await self.status()
        for _ in range(PID_POLLS):
            # A job started a moment ago may not have its process yet.
            if not state.running or state.pid is not None:
                break
            await asyncio.sleep(PID_POLL_INTERVAL_S)
            state = await self.status()
        if not state.running:
            return state
        if state.pid is None:
            raise ResponseValidationError(
                f"exec job {self.job_id} is running but the server reports no pid to signal",
                path="$.pid",
                model="ExecResult",
            )
        # The group first; a server that does not take a negative pid (kill ESRCH) gets the
        # leader's pid, and ESRCH then means the process has already gone.
        # A second signal to an ended group changes nothing: the call may be repeated.
        system = _conat_of(CallAs(self._client, idempotent=True)).project.system
        targets: tuple[dict[str, Any], ...] = ({"pids": [-state.pid]}, {"pid": state.pid})
        for target in targets:
            try:
                await system.signal(self.project_id, signal=signal, **target)
                break
            except APIResponseError as err:  # kill's ESRCH comes in a 200 body
                if "ESRCH" not in str(err.error or err.message):
                    raise
        # The process ends a moment after the signal: wait that long for the job to say so.
        try:
            return await _within(self._poll(stats=False, hang=CANCEL_WAIT_S), CANCEL_WAIT_S)
        except _DeadlinePassed:
            return await self.status()
        except CoCalcError as err:
            if not _cut_off(err):
                raise
            return await self.status()


def _cut_off(err: CoCalcError) -> bool:
    """Whether ``err`` means the hanging poll was cut off rather than the job having failed."""
    if isinstance(err, APIConnectionError):  # dropped connection, our own read timeout
        return True
    if isinstance(err, APIStatusError) and err.status_code in (408, 502, 503, 504):
        return True
    if isinstance(err, APIResponseError):
        text = (err.error if isinstance(err.error, str) else err.message).strip()
        # The hub's limit on the project call turns into the text of an undefined error; the
        # conat bridge's into "timeout - callHub: … code='408'".
        return text == "undefined" or text.lower().startswith("timeout") or "code='408'" in text
    return False


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
    client: Caller,
    project_id: str,
    command: str,
    *,
    args: Sequence[str] | None = None,
    path: str | None = None,
    exec_timeout: float | None = None,
    max_output: int | None = None,
    bash: bool | None = None,
    err_on_exit: bool | None = None,
    env: Mapping[str, str] | None = None,
    via: ExecVia = "v2",
    timeout: float | None = None,
) -> ExecJob:
    """Start ``command`` as an async exec job and return the :class:`ExecJob` at once.

    Only the options given are sent; the project's own defaults apply to the rest. Give
    ``exec_timeout`` (seconds of run time on the server; ``timeout`` is its deprecated name) for
    anything long: without it a hub built from CoCalc 5cb3315c30 killed a 90 s async job after
    60 s (``PROJECT_EXEC_DEFAULT_TIMEOUT_S``, although its schema text promises 10 minutes for
    async jobs). With ``err_on_exit=False`` a non-zero exit is a ``completed`` job with that
    ``exit_code`` rather than an error. ``via="conat"`` starts it through the project bridge's
    ``system.exec`` instead of ``POST /api/v2/exec``.
    """
    exec_timeout = _renamed("start_exec_job", "exec_timeout", exec_timeout, timeout)
    _check_uuid("project_id", project_id)
    if not isinstance(command, str) or not command.strip():
        raise ValueError("command must be a non-empty string")
    if via not in ("v2", "conat"):
        raise ValueError(f"via must be 'v2' or 'conat', got {via!r}")
    if exec_timeout is not None and (
        isinstance(exec_timeout, bool)
        or not isinstance(exec_timeout, (int, float))
        or not exec_timeout > 0
    ):
        raise ValueError(f"exec_timeout must be a number of seconds > 0, got {exec_timeout!r}")
    if args is not None and (isinstance(args, str) or not all(isinstance(a, str) for a in args)):
        raise TypeError("args must be a list of strings")
    # Only what was given is sent (None and NOT_GIVEN are both left out by the coroutines).
    options: dict[str, Any] = {
        "command": command,
        "args": None if args is None else list(args),
        "path": path,
        "exec_timeout": exec_timeout,
        "max_output": max_output,
        "bash": bash,
        "err_on_exit": err_on_exit,
        "env": None if env is None else dict(env),
        "async_call": True,
    }
    if via == "v2":
        # The start answers at once with the job id: the client's own timeout, not one
        # stretched to outlast the job's run time as for a blocking exec.
        started = await _v2_of(CallAs(client, client_timeout=True)).exec(
            project_id=project_id, **options
        )
    else:
        started = await _conat(client).project.system.exec(
            project_id,
            rpc_timeout=CONAT_POLL_TIMEOUT_S,
            request_timeout=CONAT_POLL_TIMEOUT_S + EXEC_AWAIT_MARGIN_S,
            **options,
        )
    return ExecJob(client, project_id, command, started, via=via)


def _v2_of(caller: Caller) -> V2:
    from ._generated.v2 import V2

    return V2(caller)


def _conat_of(caller: Caller) -> Conat:
    from ._generated.conat import Conat

    return Conat(caller)


def _check_uuid(name: str, value: object) -> None:
    from ._runtime import check_uuid

    check_uuid(name, value)
