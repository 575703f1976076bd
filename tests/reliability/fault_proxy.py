"""A fault-injecting HTTP/1.1 proxy on loopback, driven by a seeded schedule, and a soak harness.

``FaultProxy`` sits between a Client and an upstream server and, for the n-th request it reads,
applies the n-th entry of a :class:`FaultSchedule` (``None``: pass it through untouched). The
faults are the ways a broken network or a hostile server misbehaves:

=================  ========================================================  ==============
fault              what the client gets                                       upstream sees
=================  ========================================================  ==============
latency            the real answer, 20-150 ms late                            the request
reset_before       a TCP RST before any answer                                nothing
reset_mid_body     half of the real answer, then a TCP RST                    the request
truncate           the real headers, half the body, then a clean close        the request
garbage_status     a status line echoing the request (its Authorization too)  nothing
slowloris          a status line sent one byte per 200 ms, never finished     nothing
huge_headers       a 100 kB header line                                       nothing
endless_chunked    a 200 whose chunked body never ends                        nothing
wrong_encoding     the real body labelled ``Content-Encoding: gzip``          the request
stale_keepalive    the real answer, then the idle socket is closed at once    the request
=================  ========================================================  ==============

:func:`run_soak` drives many calls through the proxy into :class:`Upstream` (which counts, per
``X-Request-Id``, how often each call's handler ran) and reports calls hung, lost, duplicated,
peak sockets and peak RSS. ``benchmarks/soak.py`` runs it at 100,000 calls; the test suite at a
few thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import random
import resource
import socket
import struct
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


class Fault(enum.Enum):
    LATENCY = "latency"
    RESET_BEFORE = "reset_before"
    RESET_MID_BODY = "reset_mid_body"
    TRUNCATE = "truncate"
    GARBAGE_STATUS = "garbage_status"
    SLOWLORIS = "slowloris"
    HUGE_HEADERS = "huge_headers"
    ENDLESS_CHUNKED = "endless_chunked"
    WRONG_ENCODING = "wrong_encoding"
    STALE_KEEPALIVE = "stale_keepalive"


#: Faults after which the upstream handler has run.
FORWARDED = frozenset(
    {
        Fault.LATENCY,
        Fault.RESET_MID_BODY,
        Fault.TRUNCATE,
        Fault.WRONG_ENCODING,
        Fault.STALE_KEEPALIVE,
    }
)


class FaultSchedule:
    """The n-th request gets ``faults[n]``: a fault with probability ``rate``, seeded."""

    def __init__(self, seed: int, rate: float, kinds: Sequence[Fault] = tuple(Fault)) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        self._rng = random.Random(seed)
        self.rate = rate
        self.kinds = tuple(kinds)
        self.injected: Counter[Fault] = Counter()
        self.requests = 0

    def next(self) -> Fault | None:
        self.requests += 1
        if self._rng.random() >= self.rate:
            return None
        fault = self._rng.choice(self.kinds)
        self.injected[fault] += 1
        return fault

    def jitter(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)


# --- the proxy ------------------------------------------------------------------------------


class _Closed(Exception):
    """The peer closed the connection (or sent something we cannot frame)."""


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 message with a Content-Length body: (head, body)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
        raise _Closed from exc
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    try:
        body = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise _Closed from exc
    return head, body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) rather than a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """Forwards HTTP/1.1 requests to ``upstream`` (host, port), injecting scheduled faults."""

    def __init__(self, upstream: tuple[str, int], schedule: FaultSchedule) -> None:
        self.upstream = upstream
        self.schedule = schedule
        self.url = ""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", 0, backlog=4096, limit=2**17
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        up: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head, body = await _read_message(reader)
                fault = self.schedule.next()
                if fault is not None and fault not in FORWARDED:
                    await self._refuse(fault, head, writer)
                    return
                if fault is Fault.LATENCY:
                    await asyncio.sleep(self.schedule.jitter(0.02, 0.15))
                if up is None:
                    up = await asyncio.open_connection(*self.upstream, limit=2**17)
                up[1].write(head + body)
                answer_head, answer_body = await _read_message(up[0])
                if await self._answer(fault, answer_head, answer_body, writer):
                    return
        except (_Closed, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            if up is not None:
                up[1].close()
            if not writer.transport.is_closing():
                writer.close()

    async def _answer(
        self, fault: Fault | None, head: bytes, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        """Relay the upstream answer (perhaps damaged). True when the connection is done."""
        if fault is Fault.RESET_MID_BODY:
            writer.write(head + body[: len(body) // 2])
            await writer.drain()
            _reset(writer)
            return True
        if fault is Fault.TRUNCATE:
            writer.write(head + body[: len(body) // 2])
            await writer.drain()
            writer.close()
            return True
        if fault is Fault.WRONG_ENCODING:
            writer.write(head[:-2] + b"Content-Encoding: gzip\r\n\r\n" + body)
            await writer.drain()
            return False
        writer.write(head + body)
        await writer.drain()
        if fault is Fault.STALE_KEEPALIVE:
            # No "Connection: close": the client pools the socket we are about to close.
            await asyncio.sleep(0.001)
            writer.close()
            return True
        return False

    async def _refuse(self, fault: Fault, head: bytes, writer: asyncio.StreamWriter) -> None:
        """Answer without forwarding."""
        if fault is Fault.RESET_BEFORE:
            _reset(writer)
        elif fault is Fault.GARBAGE_STATUS:
            writer.write(b"HTTP/1.1 2x0 " + head.replace(b"\r\n", b" ")[:4000] + b"\r\n\r\n")
            await writer.drain()
        elif fault is Fault.SLOWLORIS:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.2)
        elif fault is Fault.HUGE_HEADERS:
            writer.write(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * 100_000 + b"\r\n\r\n{}")
            await writer.drain()
        elif fault is Fault.ENDLESS_CHUNKED:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"%x\r\n%s\r\n" % (2**16, b"[" * 2**16)
            while not writer.transport.is_closing():
                writer.write(chunk)
                await writer.drain()


# --- the upstream ---------------------------------------------------------------------------


@dataclass
class Upstream:
    """A minimal v1 server counting handler runs by ``X-Request-Id``."""

    runs: Counter[str] = field(default_factory=Counter)
    create_runs: Counter[str] = field(default_factory=Counter)
    runner: web.AppRunner | None = None
    address: tuple[str, int] = ("127.0.0.1", 0)

    async def start(self) -> Upstream:
        app = web.Application()
        app.router.add_post("/api/v1/ping", self._ping)
        app.router.add_post("/api/v1/create_project", self._create)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        assert site._server is not None
        self.address = ("127.0.0.1", site._server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _ping(self, request: web.Request) -> web.Response:
        await request.read()
        self.runs[request.headers.get("X-Request-Id", "")] += 1
        return web.json_response({"event": "pong", "now": "2026-12-03T10:00:00.000Z"})

    async def _create(self, request: web.Request) -> web.Response:
        await request.read()
        rid = request.headers.get("X-Request-Id", "")
        self.runs[rid] += 1
        self.create_runs[rid] += 1
        return web.json_response({"event": "project_created", "project_id": rid})


# --- the soak -------------------------------------------------------------------------------


@dataclass
class SoakReport:
    calls: int
    concurrency: int
    seconds: float = 0.0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    hung: int = 0
    lost: int = 0
    duplicated: int = 0
    misreported_unsent: int = 0
    creates: int = 0
    creates_ok: int = 0
    creates_ran: int = 0
    peak_sockets: int = 0
    sockets_after_close: int = 0
    peak_rss_mib: float = 0.0
    faults: dict[str, int] = field(default_factory=dict)
    requests_at_proxy: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["errors"] = dict(self.errors)
        return data


def open_sockets() -> int:
    """Sockets this process holds (``/proc/self/fd``); 0 where there is no /proc."""
    count = 0
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                    count += 1
    return count


def rss_mib() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def drive(
    url: str,
    *,
    calls: int,
    concurrency: int,
    connection_limit: int,
    create_share: float = 0.2,
    seed: int = 1,
    per_call_deadline: float = 30.0,
    max_response_bytes: int = 256 * 2**10,
) -> tuple[SoakReport, dict[str, bool | None]]:
    """Make ``calls`` calls from ``concurrency`` workers through one Client at ``url``.

    Returns the report and, per create's request id, ``None`` if it succeeded, else whether the
    error said it may have reached the server (to compare with what the upstream ran).
    """
    from cocalc_async import Client, Timeout, errors

    report = SoakReport(calls=calls, concurrency=concurrency)
    creates: dict[str, bool | None] = {}
    rng = random.Random(seed)
    plan = [rng.random() < create_share for _ in range(calls)]
    timeout = Timeout(connect=5.0, read=1.0, total=10.0)
    client = Client(
        "sk_soak_Key-0123456789abcdef",
        base_url=url,
        request_timeout=timeout,
        max_concurrency=concurrency,
        connection_limit=connection_limit,
        max_response_bytes=max_response_bytes,
    )
    work = iter(range(calls))
    sampling = True
    baseline = open_sockets()

    async def sample() -> None:
        while sampling:
            report.peak_sockets = max(report.peak_sockets, open_sockets())
            report.peak_rss_mib = max(report.peak_rss_mib, rss_mib())
            await asyncio.sleep(0.25)

    async def one(create: bool) -> None:
        if not create:
            await client.call("v1", "ping", idempotent=True)
            return
        report.creates += 1
        try:
            result = await client.call("v1", "create_project", {"title": "soak"}, idempotent=False)
        except errors.APIError as exc:
            creates[exc.request_id] = True
            raise
        except errors.APIConnectionError as exc:
            creates[exc.request_id] = exc.may_have_reached_server
            raise
        report.creates_ok += 1
        if isinstance(result, dict):
            creates[str(result.get("project_id"))] = None

    async def worker() -> None:
        for i in work:
            try:
                await asyncio.wait_for(one(plan[i]), per_call_deadline)
                report.ok += 1
            except asyncio.TimeoutError:
                report.hung += 1
            except errors.CoCalcError as exc:
                report.errors[type(exc).__name__] += 1
            except Exception as exc:  # anything else is a call whose outcome was lost
                report.errors["unexpected:" + type(exc).__name__] += 1
                report.lost += 1

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    try:
        async with client:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            report.peak_sockets = max(report.peak_sockets, open_sockets())
    finally:
        sampling = False
        await sampler
    report.seconds = time.perf_counter() - started
    await asyncio.sleep(0.05)
    report.sockets_after_close = open_sockets() - baseline
    report.peak_rss_mib = max(report.peak_rss_mib, rss_mib())
    return report, creates


def settle(report: SoakReport, creates: dict[str, bool | None], create_runs: Counter[str]) -> None:
    """Compare what the client was told with what the upstream ran."""
    report.duplicated = sum(1 for n in create_runs.values() if n > 1)
    report.creates_ran = sum(create_runs.values())
    for rid, may_have_reached in creates.items():
        if may_have_reached is False and create_runs.get(rid, 0) > 0:
            report.misreported_unsent += 1  # "not sent" but it ran: a lie about the outcome
            report.lost += 1


async def run_soak(
    *,
    calls: int,
    concurrency: int,
    connection_limit: int,
    rate: float = 0.05,
    seed: int = 20261203,
) -> SoakReport:
    """Upstream, proxy and Client in this process and loop (the test-suite variant).

    ``peak_sockets`` then counts the proxy's and the upstream's sockets too; the benchmark runs
    them in another process so that it counts the Client's alone.
    """
    baseline = open_sockets()
    upstream = await Upstream().start()
    schedule = FaultSchedule(seed, rate)
    proxy = await FaultProxy(upstream.address, schedule).start()
    try:
        report, creates = await drive(
            proxy.url, calls=calls, concurrency=concurrency, connection_limit=connection_limit
        )
    finally:
        await proxy.stop()
        await upstream.stop()
    await asyncio.sleep(0.05)
    report.sockets_after_close = open_sockets() - baseline
    settle(report, creates, upstream.create_runs)
    report.faults = {fault.value: n for fault, n in sorted(schedule.injected.items(), key=str)}
    report.requests_at_proxy = schedule.requests
    return report
