"""SDK overhead per call in µs of CPU, with a stub transport: ``python -m benchmarks.overhead``.

The stub replaces only aiohttp's ``ClientSession`` inside the SDK's ``Session`` (an object with a
``post()`` returning a canned 200 response), so everything the SDK itself does on the success
path runs: ``build_request``, the idempotency lookup, the FIFO semaphore, the request id, the
in-flight bookkeeping, the bounded body read, ``classify_response`` and the retry wrapper.

The same stub driven by the code a raw aiohttp user writes (encode, post, read, decode) is the
baseline; **overhead = SDK − baseline**, from interleaved repetitions. A pyinstrument profile of
the SDK loop says which functions dominate. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.drivers import API_KEY, json_codec, start_watchdog_simple
from benchmarks.server import PING_BODY, PROJECTS_BODY
from benchmarks.stats import median, paired_ratios

REPS = 7  # interleaved repetitions; the CPU speed drifts, so each figure is a median
BASE_URL = "http://127.0.0.1:9"  # never contacted: the stub answers (port 9 is "discard")


class StubResponse:
    """Quacks like the parts of ``aiohttp.ClientResponse`` the SDK reads."""

    def __init__(self, body: bytes) -> None:
        multidict = importlib.import_module("multidict")
        self.status = 200
        self.headers = multidict.CIMultiDictProxy(
            multidict.CIMultiDict({"Content-Type": "application/json; charset=utf-8"})
        )
        self._body = body
        self.content_length = len(body)

    async def read(self) -> bytes:
        return self._body

    def close(self) -> None:
        return None


class StubRequestContext:
    """What ``session.post(...)`` returns: an async context manager yielding the response."""

    def __init__(self, response: StubResponse) -> None:
        self._response = response

    async def __aenter__(self) -> StubResponse:
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        return None


class StubHTTP:
    """Stands in for ``aiohttp.ClientSession``: answers every POST from a table by URL suffix."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self._contexts = {k: StubRequestContext(StubResponse(v)) for k, v in bodies.items()}

    def post(self, url: str, **_: Any) -> StubRequestContext:
        return self._contexts[url.rsplit("/api/", 1)[1]]

    def request(self, method: str, url: str, **_: Any) -> StubRequestContext:
        # What the SDK's AiohttpTransport calls (with the method), as cheap as post() above.
        return self._contexts[url.rsplit("/api/", 1)[1]]

    async def close(self) -> None:
        return None


def stub_bodies() -> dict[str, bytes]:
    enc = json.dumps
    return {
        "v1/ping": enc(PING_BODY).encode(),
        "v2/projects/get": enc(PROJECTS_BODY).encode(),
    }


def install_stub(client: Any) -> None:
    """Give the SDK's Session the stub instead of opening an aiohttp session.

    This pokes at ``Session`` internals (``_http``, ``_semaphore``, ``_loop``), which is fine for
    a benchmark: if they change, this section reports the error instead of a number.
    """
    session = client.session
    transport = getattr(session, "transport", None)
    if transport is not None:  # the transport seam: the aiohttp session is the transport's
        transport._http = StubHTTP(stub_bodies())
    else:
        session._http = StubHTTP(stub_bodies())
    session._semaphore = asyncio.Semaphore(session.max_concurrency)
    session._loop = asyncio.get_running_loop()


async def cpu_per_call(fn: Callable[[], Awaitable[Any]], calls: int) -> float:
    """µs of process CPU per awaited call, run back to back in one task (the steady state)."""
    for _ in range(200):  # warm caches, lazy imports and first-use paths
        await fn()
    t = time.process_time()
    for _ in range(calls):
        await fn()
    return (time.process_time() - t) / calls * 1e6


def micro(fn: Callable[[], Any], calls: int) -> float:
    """µs of CPU per synchronous call."""
    for _ in range(200):
        fn()
    t = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - t) / calls * 1e6


async def measure(calls: int, profile_path: Path | None) -> dict[str, Any]:
    cocalc_async = importlib.import_module("cocalc_async")
    sansio = importlib.import_module("cocalc_async._sansio")
    idem = importlib.import_module("cocalc_async._idempotency")
    _, dumps, loads = json_codec()
    stub = StubHTTP(stub_bodies())
    result: dict[str, Any] = {"calls_per_rep": calls, "reps": REPS}

    async with cocalc_async.Client(api_key=API_KEY, base_url=BASE_URL) as client:
        install_stub(client)
        cases: dict[str, Callable[[], Awaitable[Any]]] = {}
        for endpoint, (api, path) in {"ping": ("v1", "ping"), "v2": ("v2", "projects/get")}.items():
            url = f"{BASE_URL}/api/{api}/{path}"

            async def raw(url: str = url) -> Any:
                async with stub.post(url, data=dumps({})) as resp:
                    return loads(await resp.read())

            async def sdk(api: str = api, path: str = path) -> Any:
                return await client.call(api, path, {})

            cases[f"raw/{endpoint}"] = raw
            cases[f"sdk-call/{endpoint}"] = sdk
        gen = getattr(getattr(client, "v1", None), "ping", None)
        if gen is not None:
            cases["sdk-gen/ping"] = gen
        else:
            result["sdk_gen_note"] = "generated coroutine client.v1.ping absent: skipped"

        series: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(REPS):
            for name, fn in cases.items():
                series[name].append(await cpu_per_call(fn, calls))
        result["cpu_us_per_call"] = {k: median(v) for k, v in series.items()}
        result["cpu_us_per_call_minmax"] = {k: [min(v), max(v)] for k, v in series.items()}
        overhead: dict[str, Any] = {}
        for name in series:
            if name.startswith("raw/"):
                continue
            endpoint = name.split("/", 1)[1]
            diffs = [s - r for s, r in zip(series[name], series[f"raw/{endpoint}"], strict=True)]
            overhead[name] = {
                "median_us": median(diffs),
                "min_us": min(diffs),
                "max_us": max(diffs),
                "ratio_to_raw": median(paired_ratios(series[name], series[f"raw/{endpoint}"])),
            }
        result["overhead_us"] = overhead

        # The pieces, each alone, to see where the microseconds go without a profiler's skew.
        headers = StubResponse(b"").headers
        ping_body = stub_bodies()["v1/ping"]
        pieces: dict[str, Callable[[], Any]] = {
            "build_request": lambda: sansio.build_request("v1", "ping", {}, base_url=BASE_URL),
            "is_idempotent": lambda: idem.is_idempotent("v1", "ping"),
            "classify_response": lambda: sansio.classify_response(
                "v1", "ping", 200, headers, ping_body
            ),
            "json_loads_ping": lambda: loads(ping_body),
            "new_request_id": sansio.new_request_id,
        }
        result["pieces_us"] = {
            k: median([micro(fn, calls) for _ in range(3)]) for k, fn in pieces.items()
        }
        if profile_path is not None:
            result["profile"] = await profile(cases["sdk-call/ping"], calls * 3, profile_path)
    return result


async def profile(fn: Callable[[], Awaitable[Any]], calls: int, path: Path) -> dict[str, Any]:
    """pyinstrument over the SDK loop: self time per function, top entries."""
    try:
        pyinstrument = importlib.import_module("pyinstrument")
    except ImportError:
        return {"skipped": "pyinstrument not installed"}
    profiler = pyinstrument.Profiler(interval=0.0001, async_mode="disabled")
    profiler.start()
    for _ in range(calls):
        await fn()
    profiler.stop()
    write_text(path, profiler.output_text(unicode=True, color=False, show_all=True))
    totals: dict[str, float] = {}
    root = profiler.last_session.root_frame()
    total = root.time if root is not None else 0.0

    def walk(frame: Any) -> None:
        # pyinstrument adds synthetic children ("[self]", "[await]", ...): a function's own time
        # is its total minus its real callees, so the synthetic frames are folded back into it.
        real = [c for c in frame.children if not c.function.startswith("[")]
        own = frame.time - sum(c.time for c in real)
        name = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        totals[name] = totals.get(name, 0.0) + own
        for child in real:
            walk(child)

    if root is not None:
        walk(root)
    top = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:15]
    return {
        "text_file": path.name,
        "total_s": total,
        "top_self": [{"function": k, "pct": 100.0 * v / total if total else 0.0} for k, v in top],
    }


def write_text(path: Path, text: str) -> None:
    """Blocking is fine here: the profiled loop has finished (sync so ASYNC240 holds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--calls", type=int, default=20_000)
    p.add_argument("--profile-out", type=Path, default=Path("benchmarks/out/profile-overhead.txt"))
    p.add_argument("--no-profile", action="store_true")
    args = p.parse_args(argv)
    start_watchdog_simple(170, {"error": "overhead watchdog fired"})
    try:
        result = asyncio.run(measure(args.calls, None if args.no_profile else args.profile_out))
    except Exception as exc:  # the SDK is young: report the failure as data, do not crash
        result = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
