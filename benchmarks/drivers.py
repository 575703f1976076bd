"""One benchmark configuration per process: ``python -m benchmarks.drivers --client X --c C ...``.

Each configuration runs in its own process so that ``ru_maxrss`` is that configuration's peak and
no client's leftovers (pools, GC garbage, imported modules) colour the next one. The process prints
one line ``RESULT {json}`` and exits.

Only the stdlib is imported at module level: the official ``cocalc-api`` client runs this same
file from its own venv, which has no aiohttp. Client libraries are imported inside their driver.

Every loop here is bounded twice: by a request count ``--n`` and by ``--deadline`` seconds, after
which no new request starts; a watchdog thread prints what finished and hard-exits if in-flight
requests do not end within the grace period (httpx at C>=1000 would otherwise hang for minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib
import itertools
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

if __package__ in (None, ""):
    # Run as a file (``python benchmarks/drivers.py``): make ``benchmarks`` importable.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.stats import percentile

API_KEY = "sk_benchmark_key_0123456789"
# Pre-encoded like the SDK does: aiohttp 3.14 deprecates BasicAuth/auth=.
AUTH_HEADER = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
CONNECTION_LIMIT = 100  # the SDK's connection_limit in every comparison
MAX_CONCURRENCY = 100  # the SDK's max_concurrency (its FIFO semaphore)
GRACE_SECONDS = 5.0  # how long in-flight requests may run past the deadline before we stop waiting
SAMPLE_PERIOD = 0.1  # fd/RSS sampling; 100 ms costs < 0.1% CPU even with 5,000 fds open

ENDPOINTS = ("ping", "v2")
PROJECTS_IN_V2_BODY = 7  # benchmarks.server returns seven projects

ASYNC_CLIENTS = ("sdk-call", "sdk-gen", "aiohttp-sem", "aiohttp", "httpx")
SYNC_CLIENTS = ("official-seq", "official-pool32")


class BadResponse(Exception):
    """The server answered, but not with the body a correct client would have parsed."""


def check_body(endpoint: str, data: Any) -> None:
    """Raise unless ``data`` is what the fixed server sends: every call is verified, not counted."""
    if endpoint == "ping":
        # client.call returns the dict; the generated coroutine a structured Pong model.
        good = (isinstance(data, dict) and data.get("event") == "pong") or hasattr(data, "now")
    elif endpoint == "v2":
        good = isinstance(data, list) and len(data) == PROJECTS_IN_V2_BODY
    else:  # conat system.ping
        good = isinstance(data, dict) and "now" in data
    if not good:
        raise BadResponse(repr(data)[:80])


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop: tells the CPU's fast (~25 ms) and slow state."""
    t = time.perf_counter()
    x = 0
    for i in range(1_000_000):
        x += i
    return (time.perf_counter() - t) * 1e3


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def open_sockets() -> int:
    """Open sockets of this process (fds whose link reads ``socket:[…]``)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass  # closed between listdir and readlink
    return n


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Sampler(threading.Thread):
    """Samples the open-socket count every 100 ms; the peak minus the start is the socket peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.baseline = open_sockets()
        self.peak = self.baseline
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_PERIOD):
            n = open_sockets()
            if n > self.peak:
                self.peak = n

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=1.0)
        self.peak = max(self.peak, open_sockets())
        return self.peak - self.baseline


class Recorder:
    """What one run collects, and how it becomes the ``RESULT`` line."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.error_sample: str = ""
        self.notes: list[str] = []
        self.t_start = 0.0
        self.cpu_start = 0.0
        self.rss_start = 0.0
        self.calib_before = 0.0
        self.deadline_hit = False
        self.skipped = ""
        self.emitted = threading.Lock()
        self.sampler = Sampler()

    def begin(self) -> None:
        self.calib_before = calibrate()
        self.rss_start = current_rss_mb()
        self.sampler.start()
        self.cpu_start = cpu_seconds()
        self.t_start = time.perf_counter()

    def error(self, exc: BaseException) -> None:
        self.errors[type(exc).__name__] += 1
        if not self.error_sample:
            self.error_sample = f"{type(exc).__name__}: {exc}"[:200]

    def emit(self, *, watchdog: bool = False) -> None:
        if not self.emitted.acquire(blocking=False):
            return  # the watchdog and the normal path must not both print
        wall = time.perf_counter() - self.t_start
        cpu = cpu_seconds() - self.cpu_start
        fd_peak = self.sampler.stop()
        lat = list(self.latencies)
        ok = len(lat)
        a = self.args
        result: dict[str, Any] = {
            "client": a.client,
            "endpoint": a.endpoint,
            "c": a.c,
            "n": a.n,
            "ok": ok,
            "errors": dict(self.errors),
            "error_sample": self.error_sample,
            "wall_s": wall,
            "rps": ok / wall if wall > 0 else 0.0,
            "p50_s": percentile(lat, 50) if lat else None,
            "p99_s": percentile(lat, 99) if lat else None,
            "max_s": max(lat) if lat else None,
            "rss_start_mb": self.rss_start,
            "rss_peak_mb": peak_rss_mb(),
            "sockets_peak": fd_peak,
            "cpu_s": cpu,
            "cpu_us_per_req": cpu / ok * 1e6 if ok else None,
            "cpu_pct": 100.0 * cpu / wall if wall > 0 else None,
            "calib_before_ms": self.calib_before,
            "calib_after_ms": calibrate() if not watchdog else None,
            "deadline_hit": self.deadline_hit or watchdog,
            "watchdog": watchdog,
            "skipped": self.skipped,
            "notes": self.notes,
            "pid": os.getpid(),
        }
        sys.stdout.write("RESULT " + json.dumps(result) + "\n")
        sys.stdout.flush()


def start_watchdog(rec: Recorder, seconds: float) -> None:
    """Hard stop: print what finished and exit, even if the event loop is wedged."""

    def fire() -> None:
        rec.notes.append(f"watchdog fired after {seconds:.0f} s")
        rec.emit(watchdog=True)
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def start_watchdog_simple(seconds: float, payload: dict[str, Any]) -> None:
    """Hard stop for the one-shot scenarios: print ``payload`` as the result and exit."""

    def fire() -> None:
        sys.stdout.write("RESULT " + json.dumps(payload) + "\n")
        sys.stdout.flush()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


# --------------------------------------------------------------------------- async drivers

Call = Callable[[], Awaitable[Any]]


async def run_workers(rec: Recorder, call: Call, c: int, n: int, deadline: float) -> None:
    """C long-lived workers pull request numbers from one counter until N or the deadline.

    Never N tasks up front: that alone costs 66-176 MB for 20,000 calls here and measures the
    scheduler rather than the client.
    """
    counter = itertools.count()
    endpoint = rec.args.endpoint
    stop_at = time.monotonic() + deadline
    latencies = rec.latencies
    perf = time.perf_counter
    mono = time.monotonic

    async def worker() -> None:
        while next(counter) < n:
            if mono() > stop_at:
                rec.deadline_hit = True
                return
            t = perf()
            try:
                data = await call()
                check_body(endpoint, data)
            except Exception as exc:
                rec.error(exc)
                continue
            latencies.append(perf() - t)

    tasks = [asyncio.create_task(worker()) for _ in range(c)]
    _, pending = await asyncio.wait(tasks, timeout=deadline + GRACE_SECONDS)
    if pending:
        rec.deadline_hit = True
        rec.notes.append(f"{len(pending)} workers still in flight at deadline+grace; cancelled")
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=GRACE_SECONDS)


def _url(base: str, endpoint: str) -> str:
    return base + {"ping": "/api/v1/ping", "v2": "/api/v2/projects/get"}[endpoint]


def json_codec() -> tuple[str, Callable[[Any], bytes], Callable[[bytes], Any]]:
    """The JSON library the SDK uses (orjson when installed), so raw aiohttp does the same work."""
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        return "json", lambda obj: json.dumps(obj).encode(), json.loads
    return "orjson", orjson.dumps, orjson.loads


async def drive_aiohttp(rec: Recorder, semaphore: bool) -> None:
    """Raw aiohttp, the ceiling: the SDK's connector settings, pre-built headers, same JSON work."""
    import aiohttp

    a = rec.args
    url = _url(a.base_url, a.endpoint)
    codec, dumps, loads = json_codec()
    rec.notes.append(f"json={codec}")
    body = dumps({})
    connector = aiohttp.TCPConnector(
        limit=CONNECTION_LIMIT, limit_per_host=0, ttl_dns_cache=300, keepalive_timeout=4.0
    )
    headers = {"Authorization": AUTH_HEADER, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def plain() -> Any:
            async with session.post(url, data=body) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                return loads(await resp.read())

        call: Call = plain
        if semaphore:
            # FIFO in front of the pool: aiohttp hands a freed connection to whoever asks next,
            # which starves some callers for seconds at C > limit (p99 2.5-3.9 s measured).
            sem = asyncio.Semaphore(MAX_CONCURRENCY)

            async def fair() -> Any:
                async with sem:
                    return await plain()

            call = fair
        rec.begin()
        await run_workers(rec, call, a.c, a.n, a.deadline)


async def drive_httpx(rec: Recorder) -> None:
    """httpx.AsyncClient as a user would build it: default limits and timeouts."""
    try:
        import httpx
    except ImportError:  # an optional comparison: the dev extra installs it
        rec.skipped = "httpx not installed (pip install httpx)"
        rec.begin()
        return

    a = rec.args
    url = _url(a.base_url, a.endpoint)
    async with httpx.AsyncClient(headers={"Authorization": AUTH_HEADER}) as client:

        async def call() -> Any:
            resp = await client.post(url, json={})
            resp.raise_for_status()
            return resp.json()

        rec.begin()
        await run_workers(rec, call, a.c, a.n, a.deadline)


def sdk_available() -> bool:
    try:
        module = importlib.import_module("cocalc_async")
    except ImportError:
        return False
    return hasattr(module, "Client")


def generated_call(client: Any, endpoint: str) -> Call | None:
    """The generated coroutine for the endpoint, or None while codegen has not landed."""
    try:
        fn = client.v1.ping if endpoint == "ping" else client.v2.projects.get
    except AttributeError:
        return None
    result: Call = fn
    return result


async def drive_sdk(rec: Recorder, generated: bool) -> None:
    a = rec.args
    cocalc_async = importlib.import_module("cocalc_async")
    async with cocalc_async.Client(
        api_key=API_KEY,
        base_url=a.base_url,
        max_concurrency=MAX_CONCURRENCY,
        connection_limit=CONNECTION_LIMIT,
    ) as client:
        call: Call | None
        if generated:
            call = generated_call(client, a.endpoint)
            if call is None:
                rec.skipped = "generated coroutine absent"
                rec.begin()
                return
        else:
            path = {"ping": ("v1", "ping"), "v2": ("v2", "projects/get")}[a.endpoint]

            async def via_call() -> Any:
                return await client.call(path[0], path[1], {})

            call = via_call
        rec.begin()
        await run_workers(rec, call, a.c, a.n, a.deadline)


# --------------------------------------------------------------------------- official client


def drive_official(rec: Recorder, threads: int) -> None:
    """The official ``cocalc-api`` (sync httpx): ``hub.system.ping()`` over the conat bridge.

    ``threads=1`` is the sequential loop a script would write; 32 threads share one ``Hub``
    (its httpx.Client is thread-safe), which is how a user would parallelise it.
    """
    cocalc_api = importlib.import_module("cocalc_api")
    a = rec.args
    hub = cocalc_api.Hub(api_key=API_KEY, host=a.base_url)
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.monotonic() + a.deadline

    def worker() -> None:
        while True:
            with lock:
                i = next(counter)
            if i >= a.n:
                return
            if time.monotonic() > stop_at:
                rec.deadline_hit = True
                return
            t = time.perf_counter()
            try:
                data = hub.system.ping()
                check_body("conat", data)
            except Exception as exc:
                rec.error(exc)
                continue
            rec.latencies.append(time.perf_counter() - t)  # list.append is atomic under the GIL

    rec.begin()
    if threads == 1:
        worker()
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(worker) for _ in range(threads)]
            for f in futures:
                f.result(timeout=a.deadline + GRACE_SECONDS)


# --------------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="one benchmark configuration; prints RESULT {json}")
    p.add_argument("--client", required=True, choices=ASYNC_CLIENTS + SYNC_CLIENTS)
    p.add_argument("--endpoint", default="ping", choices=ENDPOINTS)
    p.add_argument("--base-url", required=True)
    p.add_argument("--c", type=int, required=True, help="requests in flight (workers)")
    p.add_argument("--n", type=int, required=True, help="requests to issue")
    p.add_argument("--deadline", type=float, required=True, help="seconds; no request starts after")
    args = p.parse_args(argv)
    if not args.base_url.startswith("http://127.0.0.1:"):
        p.error("loopback only: --base-url must be http://127.0.0.1:PORT")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rec = Recorder(args)
    start_watchdog(rec, args.deadline + 3 * GRACE_SECONDS)
    client = args.client
    if client == "aiohttp":
        asyncio.run(drive_aiohttp(rec, semaphore=False))
    elif client == "aiohttp-sem":
        asyncio.run(drive_aiohttp(rec, semaphore=True))
    elif client == "httpx":
        asyncio.run(drive_httpx(rec))
    elif client in ("sdk-call", "sdk-gen"):
        asyncio.run(drive_sdk(rec, generated=client == "sdk-gen"))
    elif client == "official-seq":
        drive_official(rec, threads=1)
    elif client == "official-pool32":
        drive_official(rec, threads=32)
    rec.emit()


if __name__ == "__main__":
    main()
