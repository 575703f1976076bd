"""Soak: many calls through the fault-injecting proxy, counting what must never happen.

    python -m benchmarks.soak                    # 100,000 calls, 1,000 concurrent, 5% faults
    python -m benchmarks.soak --calls 20000      # a shorter run

The upstream server and the proxy (``tests/reliability/fault_proxy.py``) run in a child process,
so the figures for sockets and memory are the Client's alone and the two sides get a core each.
Reported: calls hung (no outcome within 30 s), lost (an exception that is not a ``CoCalcError``,
or a create said to be unsent that the upstream ran), non-idempotent calls run twice, peak
sockets, sockets left after ``close()``, peak RSS. Exits 1 if any of the first three is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import sys
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from tests.reliability.fault_proxy import (
    FaultProxy,
    FaultSchedule,
    SoakReport,
    Upstream,
    drive,
    settle,
)


def _serve(conn: Connection, seed: int, rate: float) -> None:
    """Child process: upstream + proxy until the parent says stop; then report what ran."""

    async def main() -> None:
        upstream = await Upstream().start()
        schedule = FaultSchedule(seed, rate)
        proxy = await FaultProxy(upstream.address, schedule).start()
        conn.send(proxy.url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await proxy.stop()
        await upstream.stop()
        conn.send(
            {
                "create_runs": dict(upstream.create_runs),
                "faults": {f.value: n for f, n in sorted(schedule.injected.items(), key=str)},
                "requests": schedule.requests,
                "connections": proxy.connections,
            }
        )

    asyncio.run(main())


async def _client(url: str, args: argparse.Namespace) -> tuple[SoakReport, dict[str, bool | None]]:
    return await drive(
        url,
        calls=args.calls,
        concurrency=args.concurrency,
        connection_limit=args.connection_limit,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, args.seed, args.rate), daemon=True)
    server.start()
    try:
        url = parent.recv()
        report, creates = asyncio.run(_client(url, args))
        parent.send("stop")
        upstream = parent.recv()
    finally:
        server.join(30)
        if server.is_alive():
            server.kill()
    settle(report, creates, Counter(upstream["create_runs"]))
    report.faults = upstream["faults"]
    report.requests_at_proxy = upstream["requests"]
    data = report.as_dict()
    data["rate"] = args.rate
    data["seed"] = args.seed
    data["connection_limit"] = args.connection_limit
    data["proxy_connections"] = upstream["connections"]
    data["client_max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return data


def markdown(data: dict[str, Any]) -> str:
    errors = ", ".join(f"{n:,} {name}" for name, n in sorted(data["errors"].items()))
    faults = ", ".join(f"{n:,} {name}" for name, n in sorted(data["faults"].items()))
    rows = [
        (
            "calls / concurrent / sockets allowed",
            f"{data['calls']:,} / {data['concurrency']:,} / {data['connection_limit']:,}",
        ),
        ("duration", f"{data['seconds']:.1f} s ({data['calls'] / data['seconds']:,.0f} calls/s)"),
        ("requests at the proxy (retries included)", f"{data['requests_at_proxy']:,}"),
        ("faults injected", f"{sum(data['faults'].values()):,} ({faults})"),
        ("succeeded", f"{data['ok']:,}"),
        ("typed errors", errors or "0"),
        ("**hung**", str(data["hung"])),
        ("**lost**", str(data["lost"])),
        ("**non-idempotent calls run twice**", str(data["duplicated"])),
        (
            "creates: calls / ok / run upstream",
            f"{data['creates']:,} / {data['creates_ok']:,} / {data['creates_ran']:,}",
        ),
        (
            "peak sockets (client) / after close",
            f"{data['peak_sockets']} / {data['sockets_after_close']}",
        ),
        ("peak RSS (client)", f"{data['peak_rss_mib']:.1f} MiB"),
    ]
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--connection-limit", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    data = run(args)
    print(json.dumps(data, indent=1) if args.json else markdown(data))
    return 0 if data["hung"] == data["lost"] == data["duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
