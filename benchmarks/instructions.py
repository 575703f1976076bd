"""Instructions per request under callgrind: ``python -m benchmarks.instructions``.

Wall-clock ratios on this machine drift by up to 2x within seconds, so a 5-10 % difference between
the SDK and raw aiohttp hides in the noise. Instruction counts do not drift: callgrind counts the
same total for the same program and input. Each client runs the same loop twice, for ``--n`` and
``3 * --n`` requests, and the difference divided by ``2 * --n`` is its cost per request, with
start-up (imports, pool creation) cancelled out. The ratio to raw aiohttp estimates the share of
raw throughput the SDK keeps where the client is CPU-bound, as it is on loopback.

``--no-gc`` disables the cyclic garbage collector in the measured process: the difference is what
the GC costs per request, which grows with the number of calls in flight (``--c 1000``).

Needs ``valgrind`` (Debian package). Takes about a minute per client at the default ``--n``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.drivers import API_KEY, ENDPOINTS, SDK_CALLS, WIRE, generated_call, json_codec

CLIENTS = ("aiohttp-sem", "sdk-call", "sdk-gen")
_COLLECTED = re.compile(r"Collected : (\d+)")


async def _loop(client: str, base_url: str, n: int, c: int, endpoint: str = "ping") -> None:
    """The measured loop: ``c`` workers issue ``n`` calls of ``endpoint`` in all, nothing else."""
    remaining = n

    async def workers(call: Any) -> None:
        async def work() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        await asyncio.gather(*(work() for _ in range(c)))

    if client == "aiohttp-sem":
        import aiohttp

        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode(),
            "Content-Type": "application/json",
        }
        semaphore = asyncio.Semaphore(100)
        connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=4)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            _, dumps, loads = json_codec()  # the SDK's JSON library, so both do the same work
            url = base_url + WIRE[endpoint][0]
            body = dumps(WIRE[endpoint][1])

            async def raw() -> None:
                async with semaphore, session.post(url, data=body) as resp:
                    loads(await resp.read())

            await workers(raw)
        return
    from cocalc_async import Client

    sdk: Any
    async with Client(API_KEY, base_url=base_url) as sdk:
        if client == "sdk-gen":
            await workers(generated_call(sdk, endpoint))
        else:
            api, path, params = SDK_CALLS[endpoint]
            await workers(lambda: sdk.call(api, path, params))


def _count(
    client: str, base_url: str, n: int, c: int, gc: bool = True, endpoint: str = "ping"
) -> int:
    """Instructions callgrind counted for one whole run of ``_loop``."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/out",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--drive",
            client,
            "--base-url",
            base_url,
            "--n",
            str(n),
            "--c",
            str(c),
            "--endpoint",
            endpoint,
            *([] if gc else ["--no-gc"]),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=True)
    match = _COLLECTED.search(done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def measure(n: int, c: int, gc: bool = True, endpoint: str = "ping") -> dict[str, Any]:
    """Start the fixed server, count each client at n and 3n requests, return per-request costs."""
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--max-seconds", "3600"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = json.loads(server.stdout.readline())["port"]
        base_url = f"http://127.0.0.1:{port}"
        per_request = {}
        for client in CLIENTS:
            small, large = (
                _count(client, base_url, n, c, gc, endpoint),
                _count(client, base_url, 3 * n, c, gc, endpoint),
            )
            per_request[client] = (large - small) / (2 * n)
    finally:
        server.terminate()
        server.wait(10)
    raw = per_request["aiohttp-sem"]
    return {
        "endpoint": endpoint,
        "n": n,
        "c": c,
        "gc": gc,
        "instructions_per_request": {k: round(v) for k, v in per_request.items()},
        "ratio_to_raw": {k: round(v / raw, 3) for k, v in per_request.items()},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=1000, help="requests in the short run (long: 3n)")
    p.add_argument("--c", type=int, default=50, help="requests in flight")
    p.add_argument(
        "--no-gc",
        action="store_true",
        help="disable the cyclic GC in the measured process, to show the GC's share",
    )
    p.add_argument("--endpoint", choices=ENDPOINTS, default="ping")
    p.add_argument("--drive", choices=CLIENTS, help=argparse.SUPPRESS)
    p.add_argument("--base-url", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.drive:
        if args.no_gc:
            import gc

            gc.disable()
        asyncio.run(_loop(args.drive, args.base_url, args.n, args.c, args.endpoint))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    result = measure(args.n, args.c, gc=not args.no_gc, endpoint=args.endpoint)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
