"""Real subprocesses for ``project_exec``, v2 ``exec`` and conat ``system.exec``.

Each command runs in a new session (its own process group) in the project's directory. Ending a
command (timeout, normal exit, a cancelled task, ``system.signal``, shutdown) kills the whole
group with SIGKILL, and also every process that escaped the group: each command's environment
carries a random mark (``COCALC_EMULATOR_EXEC``), and a scan of ``/proc`` kills any process in
the command's session, its process group, or with that mark, so ``setsid sleep 1000 &`` dies
too. (A process that both leaves the session and clears its environment before exec is not
found; the emulator runs commands for key holders and is no sandbox.) Output handling, bash mode
and the error texts follow CoCalc's ``execute-code``. Async jobs live in ``exec_jobs``.

Time-outs are bounded: a number of seconds in ``(0, MAX_TIMEOUT_S]``; ``0``, negative, NaN,
infinite, non-numeric or larger values are refused before anything runs, so a request can never
mean "unlimited".
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import shlex
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .replies import HandlerError

#: Per-stream cap on what is kept in memory, whatever max_output says.
_HARD_CAP = 16 * 1024 * 1024
#: The longest time-out a request may ask for: one day. CoCalc's own defaults are 10 s (v1),
#: 60 s (v2 blocking) and 10 minutes (async); nothing a test needs comes near a day.
MAX_TIMEOUT_S = 24 * 3600.0
#: The environment variable that marks every process of one command (see the module doc).
EXEC_MARK = "COCALC_EMULATOR_EXEC"


@dataclass
class ExecOptions:
    command: str
    args: list[str] = field(default_factory=list)
    path: str = ""
    timeout: float | None = 10
    max_output: int | None = None
    bash: bool = False
    err_on_exit: bool = True
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ExecOutput:
    stdout: str
    stderr: str
    exit_code: int


class ExecError(Exception):
    """The command failed; ``args`` holds the text, ``stdout``/``stderr`` what was captured."""

    def __init__(self, text: str, stdout: str = "", stderr: str = "") -> None:
        super().__init__(text)
        self.text = text
        self.stdout = stdout
        self.stderr = stderr


class ExecInputError(HandlerError):
    """A bad exec parameter (time-out, output limit, args, env), refused before anything runs;
    handlers answer it in their API's own error form."""


def parse_timeout(value: Any, default: float, name: str = "timeout") -> float:
    """Seconds in ``(0, MAX_TIMEOUT_S]``. Form bodies send strings, so numeric strings count;
    ``None`` and ``""`` mean the default. Anything else is an ``ExecInputError``."""
    if value is None or value == "":
        return default
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ExecInputError(f"{name} must be a number of seconds, got {_shown(value)}")
    if number <= 0:
        raise ExecInputError(
            f"{name} must be positive (got {_shown(value)}); there is no unlimited time-out"
        )
    if number > MAX_TIMEOUT_S:
        raise ExecInputError(f"{name} must be at most {MAX_TIMEOUT_S:g} seconds, got {number:g}")
    return number


def _parse_max_output(value: Any) -> int | None:
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise ExecInputError(
            f"max_output must be a non-negative number of characters, got {_shown(value)}"
        )
    return int(min(number, _HARD_CAP))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def options_from(params: dict[str, Any], default_timeout: float) -> ExecOptions:
    """Build options from request params; ``truthy`` like JS, so form strings stay truthy.
    Raises ``ExecInputError`` for a bad time-out, output limit or env."""
    args = params.get("args") or []
    if not isinstance(args, list):
        args = [args]
    env = params.get("env") or {}
    if not isinstance(env, dict):
        raise ExecInputError(f"env must be an object of strings, got {_shown(env)}")
    command = params.get("command") or ""
    if not isinstance(command, str):
        command = str(command)
    if "\x00" in command or any("\x00" in str(a) for a in args):
        raise ExecInputError("command and args must not contain NUL characters")
    env_out = {str(k): str(v) for k, v in env.items()}
    if any("\x00" in k or "=" in k or "\x00" in v for k, v in env_out.items()):
        raise ExecInputError("env names must not contain '=' or NUL, values no NUL")
    path = params.get("path") or ""
    return ExecOptions(
        command=command,
        args=[str(a) for a in args],
        path=path if isinstance(path, str) else str(path),
        timeout=parse_timeout(params.get("timeout"), default_timeout),
        max_output=_parse_max_output(params.get("max_output")),
        bash=bool(params.get("bash", False)),
        err_on_exit=bool(params.get("err_on_exit", True)),
        env=env_out,
    )


def _truncate(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[:limit] + f" (truncated at {limit} characters)"
    return text


@dataclass
class _Group:
    mark: str
    project_id: str


def _proc_ids(pid: int) -> tuple[int, int] | None:
    """(process group, session) of ``pid`` from /proc, or None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[2]), int(fields[3])


def _has_mark(pid: int, mark: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return mark in fh.read().split(b"\0")
    except OSError:
        return False


def _members(pgid: int, mark: str) -> list[int]:
    """Every live process of the command whose group leader was ``pgid``: its process group,
    its session (children that left the group), and any process carrying its mark (children
    that called ``setsid``)."""
    if not os.path.isdir("/proc"):
        return []
    me, uid, tag = os.getpid(), os.getuid(), f"{EXEC_MARK}={mark}".encode()
    found: list[int] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid == me:
            continue
        ids = _proc_ids(pid)
        if ids is None:
            continue
        if pgid in ids:
            found.append(pid)
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
        except OSError:
            continue
        if _has_mark(pid, tag):
            found.append(pid)
    return found


def kill_tree(pgid: int, mark: str) -> None:
    """SIGKILL the command's group and every escaped member, until none is left (a member may
    fork while we scan, so scan again; a few rounds always suffice in practice)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    for _ in range(10):
        victims = _members(pgid, mark)
        if not victims:
            return
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


class ProcessGroups:
    """Every live command the emulator started, so a time-out, ``system.signal`` and shutdown
    can kill it with all its descendants. ``live`` holds the group ids (the leaders' pids)."""

    def __init__(self) -> None:
        self.live: set[int] = set()
        self._groups: dict[int, _Group] = {}

    def add(self, pgid: int, mark: str, project_id: str = "") -> None:
        self.live.add(pgid)
        self._groups[pgid] = _Group(mark, project_id)

    def kill(self, pgid: int) -> None:
        """Kill one command and everything it started; forget it."""
        group = self._groups.pop(pgid, None)
        self.live.discard(pgid)
        if group is not None:
            kill_tree(pgid, group.mark)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)

    def kill_all(self) -> None:
        for pgid in list(self.live):
            self.kill(pgid)
        self.live.clear()

    def owned_by(self, project_id: str, pid: int) -> int | None:
        """The group id of the project's command that ``pid`` belongs to, else None: a project
        may signal its own processes only, never the emulator or another project's."""
        for pgid, group in self._groups.items():
            if group.project_id != project_id:
                continue
            if pid == pgid or pid in _members(pgid, group.mark):
                return pgid
        return None

    def signal(self, project_id: str, pid: int, sig: int) -> None:
        """conat ``system.signal`` for one pid: only processes of this project's commands; a
        SIGKILL or SIGTERM to a command's leader takes its whole tree. Raises ``ProcessLookupError``
        (Node's ``kill ESRCH``) for any other pid."""
        pgid = self.owned_by(project_id, pid)
        if pgid is None:
            raise ProcessLookupError(pid)
        if pid == pgid and sig in (signal.SIGKILL, signal.SIGTERM):
            self.kill(pgid)
            return
        os.kill(pid, sig)


async def _exited(proc: asyncio.subprocess.Process) -> None:
    """Until the command itself exits. ``proc.wait()`` would also wait for its stdout/stderr to
    close, which a backgrounded child holding them open delays until the time-out."""
    delay = 0.002
    while proc.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


async def _drain(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        if len(sink) < _HARD_CAP:
            sink.extend(chunk[: _HARD_CAP - len(sink)])


async def run(
    opts: ExecOptions,
    cwd: Path,
    home: Path,
    groups: ProcessGroups,
    pid_box: list[int] | None = None,
    project_id: str = "",
) -> ExecOutput:
    """Run one command. Raises ExecError with CoCalc's text on timeout, failure to start, or a
    nonzero exit when ``err_on_exit``."""
    # also for options built in code: no path through here means "unlimited"
    opts.timeout = parse_timeout(opts.timeout, MAX_TIMEOUT_S)
    command, args = opts.command, list(opts.args)
    script: str | None = None
    if opts.bash or (not args and any(c.isspace() for c in command)):
        body = command if not args else command + " " + " ".join(shlex.quote(a) for a in args)
        if opts.timeout:
            body = f"ulimit -t {math.ceil(opts.timeout)}\n{body}"
        fd, script = tempfile.mkstemp(prefix=f"f-{os.getpid()}-", suffix=".sh")
        with os.fdopen(fd, "w") as fh:
            fh.write(body)
        command, args = "bash", [script]
    mark = secrets.token_hex(12)
    env = {**os.environ, "HOME": str(home), **opts.env, EXEC_MARK: mark}
    shown = f"{command} {' '.join(args)}".strip()
    try:
        try:
            proc = await asyncio.create_subprocess_exec(
                command,
                *args,
                cwd=str(cwd),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            code = "ENOENT" if isinstance(err, FileNotFoundError) else "EACCES"
            raise ExecError(f"Error: spawn {command} {code}") from None
        groups.add(proc.pid, mark, project_id)
        if pid_box is not None:
            pid_box.append(proc.pid)
        out, err_buf = bytearray(), bytearray()
        readers = asyncio.gather(_drain(proc.stdout, out), _drain(proc.stderr, err_buf))
        killed = False
        try:
            await asyncio.wait_for(_exited(proc), opts.timeout)
        except asyncio.TimeoutError:
            killed = True
        finally:
            # SIGKILL the whole tree, also on success and on cancellation: a backgrounded or
            # setsid child must not outlive the command (synchronous, so a cancel cannot skip it)
            groups.kill(proc.pid)
            if proc.returncode is None:
                await proc.wait()
        try:
            await asyncio.wait_for(readers, 2)
        except asyncio.TimeoutError:
            readers.cancel()
        stdout = _truncate(out.decode("utf-8", "replace"), opts.max_output)
        stderr = _truncate(err_buf.decode("utf-8", "replace"), opts.max_output)
        rc = proc.returncode if proc.returncode is not None else 1
        exit_code = 1 if rc < 0 or killed else rc  # killed by a signal -> 1, as in CoCalc
        if killed:
            if opts.err_on_exit:
                raise ExecError(f"killed command '{shown}'", stdout, stderr)
            return ExecOutput(stdout, stderr, 1)
        if exit_code and opts.err_on_exit:
            # a bash command is named as given, anything else as 'cmd' (args=...), both inside
            # CoCalc's own quotes (src/packages/backend/execute-code.ts:699-727 @5cb3315c30)
            x = opts.command if script is not None else f"'{command}' (args={' '.join(args)})"
            text = f"command '{x}' exited with nonzero code {exit_code} -- stderr='{stderr[:1024]}'"
            raise ExecError(text, stdout, stderr)
        return ExecOutput(stdout, stderr, exit_code)
    finally:
        if script is not None:
            with contextlib.suppress(OSError):
                os.unlink(script)


def v1_error_text(opts: ExecOptions, err: ExecError) -> str:
    """The 2021 v1 wording: ``Error executing command 'c' with args 'a,b' -- err, out, errout``."""
    return (
        f"Error executing command '{opts.command}' with args '{','.join(opts.args)}' --"
        f" {err.text}, {err.stdout}, {err.stderr}"
    )


def v2_error_text(opts: ExecOptions, err: ExecError) -> str:
    """Today's wording: ``Error executing command 'c' with args 'a,b' -- err``."""
    return (
        f"Error executing command '{opts.command}' with args '{','.join(opts.args)}' -- {err.text}"
    )
