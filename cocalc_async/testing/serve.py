"""``cocalc-async serve``: run the emulator as a server until interrupted.

The CLI calls ``run_from_args(args)`` (or ``run(...)``); ``serve(...)`` is the coroutine behind
it. It prints the URL, a fresh key for the seeded instructor account and the admin token of
``/_emulator/faults``, each as a ``NAME=value`` line ready for a shell.

Faults from the command line, for clients in any language: ``--fault ENDPOINT:KIND[:TIMES]``
(repeatable) makes the next TIMES (default 1) calls to ENDPOINT fail with KIND, e.g.
``--fault v2/exec:http_502:2`` or ``--fault 'conat/hub/system.ping:reset_after_body'``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .emulator import Emulator
from .faults import FaultKind
from .safety import RemoteBindError, check_bind

#: Exit code for bad usage (argparse's own, and the CLI's documented usage code).
USAGE = 2

V1_HELP = (
    "also serve the removed API v1 (/api/v1/*), as its last release answered; without it every"
    " v1 path gets the 404 page a current hub sends"
)
HOST_HELP = "address to bind (default 127.0.0.1); anything but loopback also needs --allow-remote"
ALLOW_REMOTE_HELP = (
    "allow a non-loopback --host; the emulator runs shell commands for any key holder, so then"
    " every request must carry a valid API key (no anonymous routes, no web pages without one)"
)
FAULT_HELP = (
    "make the next TIMES (default 1) calls to ENDPOINT fail with KIND; repeatable."
    " ENDPOINT as the request log names it: v2/exec, v2/*, conat/hub/system.ping, conat/*, *."
    " KIND: " + ", ".join(k.value for k in FaultKind) + "."
    " More at run time: POST /_emulator/faults with the printed admin token"
)


class FaultSpecError(ValueError):
    """A ``--fault`` value that is not ``ENDPOINT:KIND[:TIMES]``."""


def parse_fault(text: str) -> tuple[str, FaultKind, int]:
    """``ENDPOINT:KIND[:TIMES]`` -> ``(endpoint, kind, times)``; parsed from the right, so an
    endpoint may contain anything but its last colons."""
    parts = text.rsplit(":", 2)
    times = 1
    if len(parts) == 3 and parts[2].isdigit():
        endpoint, kind_text, times = parts[0], parts[1], int(parts[2])
    elif len(parts) >= 2:
        endpoint, kind_text = text.rsplit(":", 1)
    else:
        raise FaultSpecError(
            f"--fault {text!r}: expected ENDPOINT:KIND[:TIMES], e.g. v2/exec:http_502:2"
        )
    kinds = {k.value: k for k in FaultKind}
    if kind_text not in kinds:
        raise FaultSpecError(
            f"--fault {text!r}: unknown KIND {kind_text!r}; one of {', '.join(kinds)}"
        )
    if not endpoint:
        raise FaultSpecError(f"--fault {text!r}: ENDPOINT is empty")
    if times < 1:
        raise FaultSpecError(f"--fault {text!r}: TIMES must be at least 1")
    return endpoint, kinds[kind_text], times


async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | Path | None = None,
    *,
    stop: asyncio.Event | None = None,
    v1: bool = False,
    allow_remote: bool = False,
    faults: Sequence[tuple[str, FaultKind, int]] = (),
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    emulator = Emulator(host=host, port=port, data_dir=data_dir, v1=v1, allow_remote=allow_remote)
    async with emulator as emu:
        for endpoint, kind, times in faults:
            emu.faults.add(endpoint, kind, times)
        print(f"CoCalc emulator listening on {emu.url}", flush=True)
        # the variables the SDK and the CLI read, ready to paste into a shell
        print(f"COCALC_URL={emu.url}", flush=True)
        # printed on purpose: this is a local test key, and the whole point of `serve`
        print(f"COCALC_API_KEY={emu.api_key}", flush=True)
        print(f"account_id={emu.account_id}", flush=True)
        # the bearer token of POST/GET/DELETE {url}/_emulator/faults (docs/emulator.md)
        print(f"COCALC_EMULATOR_ADMIN_TOKEN={emu.admin_token}", flush=True)
        for endpoint, kind, times in faults:
            print(f"fault: the next {times} call(s) to {endpoint} get {kind.value}", flush=True)
        await stop.wait()


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="cocalc-async serve")
    parser.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--data-dir", default=None, help="keep state here across restarts")
    parser.add_argument("--v1", action="store_true", help=V1_HELP)
    parser.add_argument("--allow-remote", action="store_true", help=ALLOW_REMOTE_HELP)
    parser.add_argument(
        "--fault", action="append", default=[], metavar="ENDPOINT:KIND[:TIMES]", help=FAULT_HELP
    )
    return parser


def run(
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | None = None,
    *,
    v1: bool = False,
    allow_remote: bool = False,
    fault: Sequence[str] = (),
) -> int:
    """Serve until interrupted; the exit code for the shell (2 for bad usage)."""
    try:
        check_bind(host, allow_remote)
        faults = [parse_fault(text) for text in fault]
    except (RemoteBindError, FaultSpecError) as err:
        print(f"cocalc-async serve: error: {err}", file=sys.stderr)
        return USAGE
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, data_dir, v1=v1, allow_remote=allow_remote, faults=faults))
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    """The CLI's entry: the parsed ``serve`` arguments (declared in ``cli/parser.py``)."""
    return run(
        args.host,
        args.port,
        args.data_dir,
        v1=bool(getattr(args, "v1", False)),
        allow_remote=bool(getattr(args, "allow_remote", False)),
        fault=list(getattr(args, "fault", None) or []),
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_from_args(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
