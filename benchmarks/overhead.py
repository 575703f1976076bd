"""SDK overhead per call in µs of CPU, with a stub transport: ``python -m benchmarks.overhead``.

The stub replaces only aiohttp's ``ClientSession`` inside the SDK's default ``AiohttpTransport``
(an object whose ``post()``/``request()`` return a canned 200 response), so everything the SDK
itself does on the success path runs: ``build_request``, the spec lookups (idempotency, timeout),
the FIFO semaphore, the request id, the in-flight bookkeeping, the transport's bounded body read,
``classify_response`` and, for the generated coroutines, the argument checks and the result model.

The same stub driven by the code a raw aiohttp user writes (encode, post, read, decode) is the
baseline; **overhead = SDK − baseline**, from interleaved repetitions, for ``client.call`` and the
generated coroutine of three endpoints: v1 ``ping``, v2 ``projects/get`` and conat
``system.ping``. Then each stage alone (``perf_counter_ns`` loops over the same inputs) and a
cProfile of the call loops say where the microseconds go. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import json
import pstats
import sys
import time
import typing
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.drivers import (
    API_KEY,
    SDK_CALLS,
    WIRE,
    generated_call,
    json_codec,
    start_watchdog_simple,
)
from benchmarks.server import CONAT_PING_BODY, PING_BODY, PROJECTS_BODY
from benchmarks.stats import median, paired_ratios

REPS = 7  # interleaved repetitions; the CPU speed drifts, so each figure is a median
BASE_URL = "http://127.0.0.1:9"  # never contacted: the stub answers (port 9 is "discard")
ENDPOINTS = ("ping", "v2", "conat")


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
        "conat/hub": enc(CONAT_PING_BODY).encode(),
    }


def body_of(endpoint: str) -> bytes:
    return stub_bodies()[WIRE[endpoint][0].split("/api/", 1)[1]]


def install_stub(client: Any) -> None:
    """Give the SDK's transport the stub instead of opening an aiohttp session.

    This pokes at internals (``_http``, ``_semaphore``, ``_loop``), which is fine for a
    benchmark: if they change, this section reports the error instead of a number.
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
    """µs per synchronous call (``perf_counter_ns``, best of three loops: the least disturbed)."""
    for _ in range(200):
        fn()
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter_ns() - t) / calls / 1e3)
    return best


async def amicro(fn: Callable[[], Awaitable[Any]], calls: int) -> float:
    """Like ``micro`` for a coroutine function, awaited back to back."""
    for _ in range(200):
        await fn()
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter_ns()
        for _ in range(calls):
            await fn()
        best = min(best, (time.perf_counter_ns() - t) / calls / 1e3)
    return best


def result_model(fn: Any) -> Any:
    """The generated coroutine's declared result type (what ``structure`` builds), or None."""
    try:
        return typing.get_type_hints(fn).get("return")
    except Exception:
        return None


async def stages(client: Any, calls: int) -> dict[str, dict[str, float]]:
    """Each stage of one call alone, µs per call, per endpoint."""
    sansio = importlib.import_module("cocalc_async._sansio")
    runtime = importlib.import_module("cocalc_async._runtime")
    try:
        facts: Any = importlib.import_module("cocalc_async._endpoint_facts")
    except ImportError:
        facts = importlib.import_module("cocalc_async._idempotency")
    _, _, loads = json_codec()
    session = client.session
    transport = getattr(session, "transport", None)
    headers = StubResponse(b"").headers
    out: dict[str, dict[str, float]] = {}
    sem = asyncio.Semaphore(100)
    inflight: set[Any] = set()

    async def semaphore_pair() -> None:
        await sem.acquire()
        sem.release()

    def bookkeeping() -> None:
        task = asyncio.current_task()
        inflight.add(task)
        inflight.discard(task)

    for endpoint in ENDPOINTS:
        api, path, params = SDK_CALLS[endpoint]
        body = body_of(endpoint)
        request = sansio.build_request(api, path, params, base_url=BASE_URL)
        data = loads(body)
        row: dict[str, float] = {
            "build_request": micro(
                partial(sansio.build_request, api, path, params, base_url=BASE_URL), calls
            ),
            "idempotency lookup": micro(partial(facts.is_idempotent, api, path), calls),
        }
        if hasattr(facts, "stretched_timeout"):
            base = session.timeout
            row["timeout lookup"] = micro(partial(facts.stretched_timeout, base, api, path), calls)
        row["request id"] = micro(sansio.new_request_id, calls)
        row["in-flight bookkeeping"] = await amicro(_sync_in_task(bookkeeping), calls)
        row["semaphore acquire+release"] = await amicro(semaphore_pair, calls)
        if transport is not None and hasattr(transport, "handle"):
            tr_mod = importlib.import_module("cocalc_async.transport")
            treq = tr_mod.TransportRequest(
                request.method,
                request.url,
                {"X-Request-Id": "0" * 32},
                request.body,
                session.timeout,
                f"{api}/{path}",
                "0" * 32,
                1,
            )
            row["transport.handle (stub aiohttp)"] = await amicro(
                partial(transport.handle, treq), calls
            )
        row["classify_response (2xx, JSON decode included)"] = micro(
            partial(sansio.classify_response, api, path, 200, headers, body), calls
        )
        row["JSON decode alone"] = micro(partial(loads, body), calls)
        gen = generated_call(client, endpoint)
        model = result_model(gen) if gen is not None else None
        if model is not None:
            row[f"structure to {_type_name(model)}"] = micro(
                partial(runtime.structure, data, model), calls
            )
        out[endpoint] = row
    return out


def _sync_in_task(fn: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        fn()

    return run


def _type_name(tp: Any) -> str:
    args = typing.get_args(tp)
    if args:
        return f"{getattr(typing.get_origin(tp), '__name__', tp)}[{_type_name(args[0])}]"
    return str(getattr(tp, "__name__", tp))


async def measure(calls: int, profile_path: Path | None) -> dict[str, Any]:
    cocalc_async = importlib.import_module("cocalc_async")
    _, dumps, loads = json_codec()
    stub = StubHTTP(stub_bodies())
    result: dict[str, Any] = {"calls_per_rep": calls, "reps": REPS}

    async with cocalc_async.Client(api_key=API_KEY, base_url=BASE_URL) as client:
        install_stub(client)
        cases: dict[str, Callable[[], Awaitable[Any]]] = {}
        notes: list[str] = []
        for endpoint in ENDPOINTS:
            url = BASE_URL + WIRE[endpoint][0]
            wire_body = WIRE[endpoint][1]
            api, path, params = SDK_CALLS[endpoint]

            async def raw(url: str = url, wire_body: dict[str, Any] = wire_body) -> Any:
                async with stub.post(url, data=dumps(wire_body)) as resp:
                    return loads(await resp.read())

            async def sdk(api: str = api, path: str = path, params: Any = params) -> Any:
                return await client.call(api, path, params)

            cases[f"raw/{endpoint}"] = raw
            cases[f"sdk-call/{endpoint}"] = sdk
            gen = generated_call(client, endpoint)
            if gen is not None:
                cases[f"sdk-gen/{endpoint}"] = gen
            else:
                notes.append(f"generated coroutine for {endpoint} absent: skipped")
        if notes:
            result["sdk_gen_note"] = "; ".join(notes)

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
        # The generated layer alone: the generated coroutine minus client.call, round by round.
        result["generated_layer_us"] = {
            endpoint: median(
                [
                    g - c
                    for g, c in zip(
                        series[f"sdk-gen/{endpoint}"], series[f"sdk-call/{endpoint}"], strict=True
                    )
                ]
            )
            for endpoint in ENDPOINTS
            if f"sdk-gen/{endpoint}" in series
        }
        result["stages_us"] = await stages(client, max(calls, 2_000))
        if profile_path is not None:
            profiled: dict[str, Callable[[], Awaitable[Any]]] = {
                name: cases[name]
                for name in ("sdk-call/ping", "sdk-gen/v2", "sdk-gen/conat")
                if name in cases
            }
            result["profile"] = await profile(profiled, calls, profile_path)
    return result


async def profile(
    cases: dict[str, Callable[[], Awaitable[Any]]], calls: int, path: Path
) -> dict[str, Any]:
    """cProfile over each loop: own time per function, µs per call (the profiler inflates all)."""
    out: dict[str, Any] = {"text_file": path.name, "loops": {}}
    texts: list[str] = []
    for name, fn in cases.items():
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            await fn()
        profiler.disable()
        stats = pstats.Stats(profiler)
        rows = []
        total = 0.0
        for (file, line, func), (_cc, nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            total += tt
            short = file.rsplit("/", 2)
            where = "/".join(short[-2:]) if len(short) > 1 else file
            rows.append((tt, nc, f"{func} ({where}:{line})"))
        rows.sort(reverse=True)
        out["loops"][name] = {
            "total_us": total / calls * 1e6,
            "top_self": [
                {"function": f, "us": tt / calls * 1e6, "calls": nc / calls}
                for tt, nc, f in rows[:12]
            ],
        }
        texts.append(f"== {name}: {total / calls * 1e6:.1f} µs per call under cProfile")
        texts += [f"{tt / calls * 1e6:8.2f} µs {nc / calls:5.2f}x  {f}" for tt, nc, f in rows[:40]]
    write_text(path, "\n".join(texts) + "\n")
    return out


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
