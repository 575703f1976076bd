"""10,000 concurrent calls through one Client: ``python -m benchmarks.burst --mode gather``.

Modes: ``gather`` (``asyncio.gather`` of N ``client.call``), ``map`` (``client.map``, once the
bulk helper exists) and ``raw-gather`` (raw aiohttp behind a FIFO semaphore, for reference).
Reports wall time, errors (must be 0), peak open sockets (must stay <= the connector limit) and
peak RSS growth. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import sys
import time
from collections import Counter
from typing import Any

from benchmarks.drivers import (
    API_KEY,
    AUTH_HEADER,
    CONNECTION_LIMIT,
    MAX_CONCURRENCY,
    Sampler,
    check_body,
    current_rss_mb,
    json_codec,
    peak_rss_mb,
    start_watchdog_simple,
)

DEADLINE = 90.0  # a bounded run: 10,000 calls take ~2 s here, so 90 s means something is wrong


async def _gather(calls: list[Any]) -> list[Any]:
    return await asyncio.gather(*calls, return_exceptions=True)


async def run(mode: str, base_url: str, n: int) -> dict[str, Any]:
    errors: Counter[str] = Counter()
    result: dict[str, Any] = {"mode": mode, "calls": n, "limit": CONNECTION_LIMIT}
    sampler = Sampler()
    if mode == "raw-gather":
        import aiohttp

        _, dumps, loads = json_codec()
        body = dumps({})
        sem = asyncio.Semaphore(MAX_CONCURRENCY)
        headers = {"Authorization": AUTH_HEADER, "Content-Type": "application/json"}
        connector = aiohttp.TCPConnector(limit=CONNECTION_LIMIT, limit_per_host=0)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def one() -> Any:
                async with sem, session.post(base_url + "/api/v1/ping", data=body) as resp:
                    return loads(await resp.read())

            rss0 = current_rss_mb()
            sampler.start()
            t0 = time.perf_counter()
            outcomes = await asyncio.wait_for(_gather([one() for _ in range(n)]), DEADLINE)
            wall = time.perf_counter() - t0
    else:
        cocalc_async = importlib.import_module("cocalc_async")
        async with cocalc_async.Client(
            api_key=API_KEY,
            base_url=base_url,
            max_concurrency=MAX_CONCURRENCY,
            connection_limit=CONNECTION_LIMIT,
        ) as client:
            if mode == "map":
                bulk = getattr(client, "map", None)
                if bulk is None:
                    return {**result, "skipped": "client.map not implemented yet"}
            rss0 = current_rss_mb()
            sampler.start()
            t0 = time.perf_counter()
            if mode == "gather":
                calls = [client.call("v1", "ping", {}) for _ in range(n)]
                outcomes = await asyncio.wait_for(_gather(calls), DEADLINE)
            else:
                outcomes = await asyncio.wait_for(_map(client, n), DEADLINE)
            wall = time.perf_counter() - t0
    ok = 0
    for item in outcomes:
        if isinstance(item, BaseException):
            errors[type(item).__name__] += 1
            continue
        try:
            check_body("ping", item)
            ok += 1
        except Exception as exc:
            errors[type(exc).__name__] += 1
    sockets = sampler.stop()
    result.update(
        ok=ok,
        errors=dict(errors),
        wall_s=wall,
        rps=ok / wall,
        sockets_peak=sockets,
        sockets_within_limit=sockets <= CONNECTION_LIMIT,
        rss_start_mb=rss0,
        rss_peak_mb=peak_rss_mb(),
        rss_growth_mb=peak_rss_mb() - rss0,
    )
    return result


async def _map(client: Any, n: int) -> list[Any]:
    """``client.map(fn, items)``: tolerant of the helper returning a list or an async iterator.

    The bulk helper is young; its signature is probed so the benchmark keeps working across its
    first versions, and each ``Outcome`` is unwrapped to its result or exception.
    """

    async def fn(_: int) -> Any:
        return await client.call("v1", "ping", {})

    params = inspect.signature(client.map).parameters
    kwargs: dict[str, Any] = {}
    if "concurrency" in params:
        kwargs["concurrency"] = MAX_CONCURRENCY
    if "progress" in params:
        kwargs["progress"] = False  # a progress bar on stderr would be measured too
    got = client.map(fn, range(n), **kwargs)
    if inspect.isawaitable(got):
        got = await got
    items: list[Any] = []
    if hasattr(got, "__aiter__"):
        async for item in got:
            items.append(item)
    else:
        items = list(got)
    out: list[Any] = []
    for item in items:
        # bulk.Outcome carries ``result`` or ``exception``; plain values pass through.
        error = getattr(item, "exception", None)
        if isinstance(error, BaseException):
            out.append(error)
        elif hasattr(item, "result") and hasattr(item, "item"):
            out.append(item.result)
        else:
            out.append(item)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--base-url", required=True)
    p.add_argument("--calls", type=int, default=10_000)
    p.add_argument("--mode", choices=("gather", "map", "raw-gather"), default="gather")
    args = p.parse_args(argv)
    if not args.base_url.startswith("http://127.0.0.1:"):
        p.error("loopback only: --base-url must be http://127.0.0.1:PORT")
    start_watchdog_simple(DEADLINE + 15, {"mode": args.mode, "error": "watchdog fired"})
    try:
        result = asyncio.run(run(args.mode, args.base_url, args.calls))
    except Exception as exc:  # report, do not crash: the harness reads one line either way
        result = {"mode": args.mode, "error": f"{type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
