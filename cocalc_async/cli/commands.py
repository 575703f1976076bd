"""The subcommands that make one or a few API calls: ping, whoami, doctor, exec, read, write,
copy, query and call. Each takes the parsed arguments and an open Client and returns an exit
code. They use only v2 and the conat bridges, which every current hub serves (CoCalc removed
API v1 on 2025-05-29); ``call v1 ...`` still reaches a hub built before then."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import exit_codes
from .exit_codes import UsageError
from .output import emit

if TYPE_CHECKING:
    from .._types import Json
    from ..client import Client

Command = Callable[[argparse.Namespace, "Client"], Awaitable[int]]


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} is not valid JSON: {exc.msg} at column {exc.colno}") from None


async def ping(args: argparse.Namespace, client: Client) -> int:
    import time

    started = time.perf_counter()
    pong = await client.conat.hub.system.ping()
    ms = (time.perf_counter() - started) * 1000
    emit(
        args.json,
        {"now": pong.now, "ms": round(ms, 1)},
        f"pong from {client.base_url} in {ms:.0f} ms",
    )
    return exit_codes.OK


async def whoami(args: argparse.Namespace, client: Client) -> int:
    from ..doctor import identify

    me = await identify(client)
    data: dict[str, Json] = {
        "kind": me.kind,
        "account_id": me.account_id,
        "project_id": me.project_id,
        "first_name": me.first_name,
        "last_name": me.last_name,
    }
    if me.kind == "project":
        human = f"{me.project_id}  (a project key)"
    else:
        human = f"{me.account_id}  {me.name}".rstrip()
    emit(args.json, data, human)
    return exit_codes.OK


async def doctor(args: argparse.Namespace, client: Client) -> int:
    report = await client.doctor()
    if args.json:
        from .output import jsonable

        emit(True, {**jsonable(report), "ok": report.ok})
    else:
        print(report.render())
    return exit_codes.OK if report.ok else exit_codes.FAILED


async def exec_(args: argparse.Namespace, client: Client) -> int:
    cmd = [c for c in args.cmd]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("no command given: cocalc-async exec PROJECT -- CMD ARGS...")
    _check_project(args.project)
    from ..polling import EXEC_AWAIT_SLICE_S

    # err_on_exit=False: the real exit code comes back instead of an error text.
    if args.exec_timeout > EXEC_AWAIT_SLICE_S:
        # Longer than a hub keeps one request open: run it as an async job and wait for it.
        job = await client.exec_job(
            args.project,
            cmd[0],
            args=cmd[1:],
            path=args.path,
            exec_timeout=args.exec_timeout,
            max_output=args.max_output,
            err_on_exit=False,
        )
        wait_s = args.wait_timeout if args.wait_timeout is not None else args.exec_timeout + 60
        result = await job.wait(wait_timeout=wait_s)
    else:
        options: dict[str, Any] = {"path": args.path, "max_output": args.max_output}
        result = await client.v2.exec(
            project_id=args.project,
            command=cmd[0],
            args=cmd[1:],
            exec_timeout=args.exec_timeout,
            err_on_exit=False,
            **{k: v for k, v in options.items() if v is not None},
        )
    if args.json:
        emit(True, result)
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
    return exit_codes.OK if result.exit_code == 0 else exit_codes.FAILED


async def read(args: argparse.Namespace, client: Client) -> int:
    _check_project(args.project)
    content = await client.conat.project.system.read_text_file_from_project(
        args.project, path=args.path
    )
    if args.json:
        emit(True, {"path": args.path, "content": content})
    else:
        sys.stdout.write(content)
    return exit_codes.OK


async def write(args: argparse.Namespace, client: Client) -> int:
    _check_project(args.project)
    content = sys.stdin.read()
    await client.v2.projects.write_text_file(
        project_id=args.project, path=args.path, content=content
    )
    emit(
        args.json,
        {"path": args.path, "chars": len(content)},
        f"wrote {len(content)} characters to {args.path}",
    )
    return exit_codes.OK


async def copy(args: argparse.Namespace, client: Client) -> int:
    _check_project(args.src_project, "SRC_PROJECT")
    _check_project(args.dst_project, "DST_PROJECT")
    target: dict[str, Any] = {} if args.dst_path is None else {"target_path": args.dst_path}
    projects = client.v2.projects
    if not args.wait:
        # The server is told not to wait; a copy_id to poll comes back (or "" when it copied
        # at once, as a single-user hub does).
        started = await projects.copy_path(
            src_project_id=args.src_project,
            path=args.src_path,
            target_project_id=args.dst_project,
            wait_until_done=False,
            **target,
        )
        copy_id = started.copy_id or ""
        state = "started" if copy_id else "done"
        emit(args.json, {"copy_id": copy_id, "state": state}, f"copy {state} {copy_id}".rstrip())
        return exit_codes.OK
    # wait=True asks the server not to wait (its own wait gives up after a few minutes) and
    # polls projects/copy-path-status instead.
    status = await projects.copy_path(
        src_project_id=args.src_project,
        path=args.src_path,
        target_project_id=args.dst_project,
        wait=True,
        wait_timeout=args.wait_timeout,
        **target,
    )
    if status is None:
        emit(args.json, {"state": "done", "finished": True}, "copy done")
    else:
        emit(args.json, status, f"copy finished at {status.finished}")
    return exit_codes.OK


async def query(args: argparse.Namespace, client: Client) -> int:
    q = parse_json(args.query_json, "the query")
    if not isinstance(q, dict):
        raise UsageError('the query must be a JSON object like {"accounts": {"account_id": null}}')
    result = await client.v2.user_query(query=q)
    emit(args.json, result.query)
    return exit_codes.OK


def _check_project(value: str, what: str = "PROJECT") -> None:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        raise UsageError(f"{what} must be a project id (a UUID), got {value!r}") from None


async def call(args: argparse.Namespace, client: Client) -> int:
    params = parse_json(args.params_json, "the parameters")
    if not isinstance(params, dict):
        raise UsageError("the parameters must be a JSON object")
    emit(args.json, await client.call(args.api, args.path, params))
    return exit_codes.OK


COMMANDS: dict[str, Command] = {
    "ping": ping,
    "whoami": whoami,
    "doctor": doctor,
    "exec": exec_,
    "read": read,
    "write": write,
    "copy": copy,
    "query": query,
    "call": call,
}
