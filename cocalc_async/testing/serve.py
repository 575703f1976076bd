"""``cocalc-async serve``: run the emulator as a server until interrupted.

The CLI calls ``run(host, port, data_dir)``; ``serve(...)`` is the coroutine behind it. It
prints the URL and a fresh key for the seeded instructor account.
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


async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | Path | None = None,
    *,
    stop: asyncio.Event | None = None,
    v1: bool = False,
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(host=host, port=port, data_dir=data_dir, v1=v1) as emu:
        print(f"CoCalc emulator listening on {emu.url}", flush=True)
        # the variables the SDK and the CLI read, ready to paste into a shell
        print(f"COCALC_URL={emu.url}", flush=True)
        # printed on purpose: this is a local test key, and the whole point of `serve`
        print(f"COCALC_API_KEY={emu.api_key}", flush=True)
        print(f"account_id={emu.account_id}", flush=True)
        await stop.wait()


V1_HELP = (
    "also serve the removed API v1 (/api/v1/*), as its last release answered; without it every"
    " v1 path gets the 404 page a current hub sends"
)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="cocalc-async serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--data-dir", default=None, help="keep state here across restarts")
    parser.add_argument("--v1", action="store_true", help=V1_HELP)
    return parser


def run(
    host: str = "127.0.0.1", port: int = 0, data_dir: str | None = None, *, v1: bool = False
) -> int:
    """Serve until interrupted; the exit code for the shell."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, data_dir, v1=v1))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args.host, args.port, args.data_dir, v1=args.v1)


if __name__ == "__main__":
    sys.exit(main())
