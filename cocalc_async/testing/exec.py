"""Real subprocesses for ``project_exec``, v2 ``exec`` and conat ``system.exec`` (reference §4.2).

Each command runs in a new session (its own process group) in the project's directory. A timeout
kills the whole group with SIGKILL, so children die too. Output handling, bash mode and the error
texts follow CoCalc's ``execute-code``. Async jobs live in ``exec_jobs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shlex
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Per-stream cap on what is kept in memory, whatever max_output says.
_HARD_CAP = 16 * 1024 * 1024


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


def options_from(params: dict[str, Any], default_timeout: float) -> ExecOptions:
    """Build options from request params; ``truthy`` like JS, so form strings stay truthy."""
    args = params.get("args") or []
    if not isinstance(args, list):
        args = [args]
    timeout = params.get("timeout")
    max_output = params.get("max_output")
    env = params.get("env") or {}
    return ExecOptions(
        command=str(params.get("command") or ""),
        args=[str(a) for a in args],
        path=str(params.get("path") or ""),
        timeout=float(timeout) if timeout not in (None, "") else default_timeout,
        max_output=int(max_output) if max_output not in (None, "") else None,
        bash=bool(params.get("bash", False)),
        err_on_exit=bool(params.get("err_on_exit", True)),
        env={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
    )


def _truncate(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[:limit] + f" (truncated at {limit} characters)"
    return text


class ProcessGroups:
    """Every live process group the emulator started, so shutdown can kill stragglers."""

    def __init__(self) -> None:
        self.live: set[int] = set()

    def kill_all(self) -> None:
        for pgid in list(self.live):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        self.live.clear()


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
) -> ExecOutput:
    """Run one command. Raises ExecError with CoCalc's text on timeout, failure to start, or a
    nonzero exit when ``err_on_exit``."""
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
    env = {**os.environ, "HOME": str(home), **opts.env}
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
        groups.live.add(proc.pid)
        if pid_box is not None:
            pid_box.append(proc.pid)
        out, err_buf = bytearray(), bytearray()
        readers = asyncio.gather(_drain(proc.stdout, out), _drain(proc.stderr, err_buf))
        killed = False
        try:
            await asyncio.wait_for(proc.wait(), opts.timeout or None)
        except asyncio.TimeoutError:
            killed = True
        finally:
            # SIGKILL the whole group, also on success: a backgrounded child must not outlive us
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            groups.live.discard(proc.pid)
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
            text = (
                f"command '{command}' (args={' '.join(args)}) exited with nonzero code"
                f" {exit_code} -- stderr='{stderr[:1024]}'"
            )
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
