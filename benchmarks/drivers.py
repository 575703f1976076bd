"""One benchmark configuration per process: ``python -m benchmarks.drivers --client X --c C ...``.

Each configuration runs in its own process so that ``ru_maxrss`` is that configuration's peak and
no client's leftovers (pools, GC garbage, imported modules) colour the next one. The process prints
one line ``RESULT {json}`` and exits.

Only the stdlib is imported at module level: the official ``cocalc-api`` client runs this same
file from its own venv, which has no aiohttp. Client libraries are imported inside their driver.

A run is timed, not counted: ``C`` workers call back to back for ``--warmup`` seconds (discarded:
pool fill, lazy imports, first-use caches), then for ``--duration`` seconds, the measured window,
then stop starting calls. Throughput, latency percentiles, client CPU and GC time are those of the
window alone. A watchdog thread prints what was measured and hard-exits if in-flight calls do not
end within a grace period after the window (httpx at C>=1000 would otherwise hang for minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import gc
import importlib
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
GRACE_SECONDS = 5.0  # how long in-flight requests may run past the window before we stop waiting
SAMPLE_PERIOD = 0.1  # fd/RSS sampling; 100 ms costs < 0.1% CPU even with 5,000 fds open

ENDPOINTS = ("ping", "v2", "conat")
PROJECTS_IN_V2_BODY = 7  # benchmarks.server returns seven projects
#: What each endpoint is on the wire: (path, JSON body). The same bytes for every client.
WIRE: dict[str, tuple[str, dict[str, Any]]] = {
    "ping": ("/api/v1/ping", {}),
    "v2": ("/api/v2/projects/get", {}),
    "conat": ("/api/conat/hub", {"name": "system.ping", "args": []}),
}

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
    else:  # conat system.ping: {"now": <ms>}; the generated coroutine gives a ConatPong model
        good = (isinstance(data, dict) and "now" in data) or hasattr(data, "now")
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


def cpu_split() -> tuple[float, float]:
    """(user, system) CPU seconds of this process: the kernel's share is the socket work."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime, ru.ru_stime


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


class GCTimer:
    """Time spent in the cyclic garbage collector while ``active``, per generation.

    At C=1000 the collector keeps scanning the objects of every queued call: this says how much of
    a client's CPU went there (``gc.callbacks`` run at the start and end of each collection).
    """

    def __init__(self) -> None:
        self.active = False
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._t = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        elif self.active:
            self.seconds += time.perf_counter() - self._t
            self.collections[info["generation"]] += 1

    def install(self) -> None:
        gc.callbacks.append(self)

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)


class Recorder:
    """What one run collects, and how it becomes the ``RESULT`` line.

    ``open_window``/``close_window`` bracket the measured window; only calls that complete inside
    it count towards its rate and latencies. Errors count whenever they happen.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.latencies: list[float] = []  # of calls completed inside the window
        self.in_window = False
        self.ok = 0  # successes in the whole run (warm-up and drain included)
        self.started = 0
        self.errors: Counter[str] = Counter()
        self.error_sample: str = ""
        self.notes: list[str] = []
        self.t_start = 0.0
        self.rss_start = 0.0
        self.calib_before = 0.0
        self.deadline_hit = False
        self.skipped = ""
        self.emitted = threading.Lock()
        self.sampler = Sampler()
        self.gc_timer = GCTimer()
        self.win_t0 = self.win_t1 = 0.0
        self.win_cpu0 = self.win_cpu1 = 0.0
        self.win_split0 = self.win_split1 = (0.0, 0.0)

    def begin(self) -> None:
        self.calib_before = calibrate()
        self.rss_start = current_rss_mb()
        self.sampler.start()
        self.gc_timer.install()
        self.t_start = time.perf_counter()

    def open_window(self) -> None:
        self.win_split0 = cpu_split()
        self.win_cpu0 = cpu_seconds()
        self.win_t0 = time.perf_counter()
        self.in_window = True
        self.gc_timer.active = True

    def close_window(self) -> None:
        self.in_window = False
        self.gc_timer.active = False
        self.win_t1 = time.perf_counter()
        self.win_cpu1 = cpu_seconds()
        self.win_split1 = cpu_split()

    def error(self, exc: BaseException) -> None:
        self.errors[type(exc).__name__] += 1
        if not self.error_sample:
            self.error_sample = f"{type(exc).__name__}: {exc}"[:200]

    def emit(self, *, watchdog: bool = False) -> None:
        if not self.emitted.acquire(blocking=False):
            return  # the watchdog and the normal path must not both print
        if self.in_window or not self.win_t1:
            self.close_window()  # the watchdog fired inside the window: measure what there is
        self.gc_timer.remove()
        window = self.win_t1 - self.win_t0 if self.win_t0 else 0.0
        cpu = self.win_cpu1 - self.win_cpu0
        fd_peak = self.sampler.stop()
        lat = list(self.latencies)
        done = len(lat)
        a = self.args
        gct = self.gc_timer
        result: dict[str, Any] = {
            "client": a.client,
            "endpoint": a.endpoint,
            "c": a.c,
            "warmup_s": a.warmup,
            "duration_s": a.duration,
            "n": self.started,  # calls started in the whole run
            "ok": self.ok,  # of which succeeded
            "window_ok": done,
            "errors": dict(self.errors),
            "error_sample": self.error_sample,
            "wall_s": window,
            "rps": done / window if window > 0 else 0.0,
            "p50_s": percentile(lat, 50) if lat else None,
            "p99_s": percentile(lat, 99) if lat else None,
            "max_s": max(lat) if lat else None,
            "rss_start_mb": self.rss_start,
            "rss_peak_mb": peak_rss_mb(),
            "sockets_peak": fd_peak,
            "cpu_s": cpu,
            "cpu_us_per_req": cpu / done * 1e6 if done else None,
            "cpu_pct": 100.0 * cpu / window if window > 0 else None,
            "cpu_user_us_per_req": (self.win_split1[0] - self.win_split0[0]) / done * 1e6
            if done
            else None,
            "cpu_sys_us_per_req": (self.win_split1[1] - self.win_split0[1]) / done * 1e6
            if done
            else None,
            "gc_s": gct.seconds,
            "gc_us_per_req": gct.seconds / done * 1e6 if done else None,
            "gc_collections": gct.collections,
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


async def run_workers(rec: Recorder, call: Call, c: int, warmup: float, duration: float) -> None:
    """C long-lived workers call back to back: ``warmup`` s discarded, then the ``duration`` window.

    Never one task per request: that alone costs 66-176 MB for 20,000 calls here and measures the
    scheduler rather than the client. Every client runs this same loop, so what differs between
    two runs is the client.
    """
    endpoint = rec.args.endpoint
    latencies = rec.latencies
    perf = time.perf_counter
    running = True

    async def worker() -> None:
        while running:
            rec.started += 1
            t = perf()
            try:
                data = await call()
                check_body(endpoint, data)
            except Exception as exc:
                rec.error(exc)
                continue
            rec.ok += 1
            if rec.in_window:
                latencies.append(perf() - t)

    tasks = [asyncio.create_task(worker()) for _ in range(c)]
    await asyncio.sleep(warmup)
    rec.open_window()
    await asyncio.sleep(duration)
    rec.close_window()
    running = False
    _, pending = await asyncio.wait(tasks, timeout=GRACE_SECONDS)
    if pending:
        rec.deadline_hit = True
        rec.notes.append(
            f"{len(pending)} workers still in flight {GRACE_SECONDS:.0f} s after the window; cancelled"
        )
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=GRACE_SECONDS)


def _url(base: str, endpoint: str) -> str:
    return base + WIRE[endpoint][0]


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
    body = dumps(WIRE[a.endpoint][1])
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
        await run_workers(rec, call, a.c, a.warmup, a.duration)


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
    payload = WIRE[a.endpoint][1]
    async with httpx.AsyncClient(headers={"Authorization": AUTH_HEADER}) as client:

        async def call() -> Any:
            resp = await client.post(url, json=payload)
            resp.raise_for_status()
            return resp.json()

        rec.begin()
        await run_workers(rec, call, a.c, a.warmup, a.duration)


def sdk_available() -> bool:
    try:
        module = importlib.import_module("cocalc_async")
    except ImportError:
        return False
    return hasattr(module, "Client")


def generated_call(client: Any, endpoint: str) -> Call | None:
    """The generated coroutine for the endpoint (typed result), or None if it is absent."""
    try:
        if endpoint == "ping":
            fn = client.v1.ping
        elif endpoint == "v2":
            fn = client.v2.projects.get
        else:
            fn = client.conat.hub.system.ping
    except AttributeError:
        return None
    result: Call = fn
    return result


#: ``client.call``'s arguments for each endpoint: the same wire bytes as the raw clients send.
SDK_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ping": ("v1", "ping", {}),
    "v2": ("v2", "projects/get", {}),
    "conat": ("conat/hub", "system.ping", {"args": []}),
}


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
            api, path, params = SDK_CALLS[a.endpoint]
            # A partial, not a wrapper coroutine: the worker awaits client.call's own coroutine,
            # as a user's code does, with no extra frame the raw clients do not have.
            call = functools.partial(client.call, api, path, params)
        rec.begin()
        await run_workers(rec, call, a.c, a.warmup, a.duration)


# --------------------------------------------------------------------------- official client


def drive_official(rec: Recorder, threads: int) -> None:
    """The official ``cocalc-api`` (sync httpx): ``hub.system.ping()`` over the conat bridge.

    ``threads=1`` is the sequential loop a script would write; 32 threads share one ``Hub``
    (its httpx.Client is thread-safe), which is how a user would parallelise it.
    """
    cocalc_api = importlib.import_module("cocalc_api")
    a = rec.args
    hub = cocalc_api.Hub(api_key=API_KEY, host=a.base_url)
    running = threading.Event()
    running.set()
    lock = threading.Lock()

    def worker() -> None:
        while running.is_set():
            with lock:
                rec.started += 1
            t = time.perf_counter()
            try:
                data = hub.system.ping()
                check_body("conat", data)
            except Exception as exc:
                with lock:
                    rec.error(exc)
                continue
            with lock:
                rec.ok += 1
                if rec.in_window:
                    rec.latencies.append(time.perf_counter() - t)

    rec.begin()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(worker) for _ in range(threads)]
        time.sleep(a.warmup)
        rec.open_window()
        time.sleep(a.duration)
        rec.close_window()
        running.clear()
        for f in futures:
            f.result(timeout=GRACE_SECONDS)


# --------------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="one benchmark configuration; prints RESULT {json}")
    p.add_argument("--client", required=True, choices=ASYNC_CLIENTS + SYNC_CLIENTS)
    p.add_argument("--endpoint", default="ping", choices=ENDPOINTS)
    p.add_argument("--base-url", required=True)
    p.add_argument("--c", type=int, required=True, help="requests in flight (workers)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of calls discarded first")
    p.add_argument("--duration", type=float, default=3.0, help="seconds of the measured window")
    args = p.parse_args(argv)
    if not args.base_url.startswith("http://127.0.0.1:"):
        p.error("loopback only: --base-url must be http://127.0.0.1:PORT")
    if args.c < 1 or args.warmup < 0 or args.duration <= 0:
        p.error("--c must be >= 1, --warmup >= 0 and --duration > 0")
    return args


def settle_allocator() -> None:
    """Give every client process the same glibc malloc state before it is measured.

    asyncio reads a socket with ``recv(256 KiB)``, a buffer above glibc's initial mmap threshold
    (128 KiB): each read then maps, shrinks and unmaps fresh memory, three system calls and a page
    fault per response (``strace -c``: one mmap, mremap and munmap per request). glibc raises the
    threshold the first time it frees a mapped block larger than it, so whether a client pays
    this depends on what its imports happened to allocate and free: measured at C=100 on ping,
    kernel CPU 19 µs per request for raw aiohttp and ``client.call`` but 7 µs for the generated
    coroutine. Freeing one 1 MiB block here raises the threshold in every process alike, so the
    ratios compare the clients' code and not that accident.
    """
    block = bytearray(1 << 20)
    del block


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settle_allocator()
    rec = Recorder(args)
    start_watchdog(rec, args.warmup + args.duration + 3 * GRACE_SECONDS)
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
