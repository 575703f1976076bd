"""The subcommands that make one or a few API calls: ping, whoami, exec, read, write, copy,
query and call. Each takes the parsed arguments and an open Client and returns an exit code."""

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
    pong = await client.v1.ping()
    ms = (time.perf_counter() - started) * 1000
    emit(
        args.json,
        {"now": pong.now, "ms": round(ms, 1)},
        f"pong from {client.base_url} in {ms:.0f} ms",
    )
    return exit_codes.OK


async def whoami(args: argparse.Namespace, client: Client) -> int:
    fields: dict[str, Json] = {
        "account_id": None,
        "first_name": None,
        "last_name": None,
        "email_address": None,
    }
    result = await client.v1.query(query={"accounts": fields})
    account = result.query.get("accounts") if isinstance(result.query, dict) else None
    if not isinstance(account, dict):
        raise UsageError("this key is not an account key (a project key has no account)")
    name = f"{account.get('first_name') or ''} {account.get('last_name') or ''}".strip()
    emit(
        args.json,
        account,
        f"{account.get('account_id')}  {name}  <{account.get('email_address') or ''}>",
    )
    return exit_codes.OK


async def exec_(args: argparse.Namespace, client: Client) -> int:
    cmd = [c for c in args.cmd]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("no command given: cocalc-async exec PROJECT -- CMD ARGS...")
    # err_on_exit=False: the real exit code comes back instead of an error text.
    result = await client.v1.project_exec(
        project_id=args.project,
        command=cmd[0],
        args=cmd[1:],
        path=args.path,
        timeout=args.exec_timeout,
        max_output=args.max_output,
        err_on_exit=False,
    )
    if args.json:
        emit(True, result)
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
    return exit_codes.OK if result.exit_code == 0 else exit_codes.FAILED


async def read(args: argparse.Namespace, client: Client) -> int:
    result = await client.v1.read_text_file_from_project(project_id=args.project, path=args.path)
    if args.json:
        emit(True, {"path": args.path, "content": result.content})
    else:
        content = result.content
        sys.stdout.write(content if isinstance(content, str) else json.dumps(content))
    return exit_codes.OK


async def write(args: argparse.Namespace, client: Client) -> int:
    content = sys.stdin.read()
    await client.v1.write_text_file_to_project(
        project_id=args.project, path=args.path, content=content
    )
    emit(
        args.json,
        {"path": args.path, "chars": len(content)},
        f"wrote {len(content)} characters to {args.path}",
    )
    return exit_codes.OK


async def copy(args: argparse.Namespace, client: Client) -> int:
    from ..polling import wait_for_copy

    # Never let the server wait (its wait stops after 4 minutes); poll instead (reference §10.1).
    started = await client.v1.copy_path_between_projects(
        src_project_id=args.src_project,
        src_path=args.src_path,
        target_project_id=args.dst_project,
        target_path=args.dst_path,
        wait_until_done=False,
    )
    copy_id = started.copy_path_id or ""
    if not args.wait or not copy_id:
        state = "started" if copy_id else "done"
        emit(
            args.json, {"copy_path_id": copy_id, "state": state}, f"copy {state} {copy_id}".rstrip()
        )
        return exit_codes.OK
    status = await wait_for_copy(client, copy_id, timeout=args.wait_timeout)
    emit(args.json, status, f"copy {copy_id} finished at {status.finished}")
    return exit_codes.OK


async def query(args: argparse.Namespace, client: Client) -> int:
    q = parse_json(args.query_json, "the query")
    result = await client.v1.query(query=q)
    emit(args.json, result.query)
    return exit_codes.OK


async def call(args: argparse.Namespace, client: Client) -> int:
    params = parse_json(args.params_json, "the parameters")
    if not isinstance(params, dict):
        raise UsageError("the parameters must be a JSON object")
    emit(args.json, await client.call(args.api, args.path, params))
    return exit_codes.OK


COMMANDS: dict[str, Command] = {
    "ping": ping,
    "whoami": whoami,
    "exec": exec_,
    "read": read,
    "write": write,
    "copy": copy,
    "query": query,
    "call": call,
}
