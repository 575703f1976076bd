"""A fixed-response HTTP/1.1 keep-alive server on 127.0.0.1, so the client is what is measured.

It is a bare ``asyncio.Protocol`` rather than aiohttp.web: on this machine aiohttp.web manages
only 1-2x what the fastest client produces (it becomes a co-bottleneck), while a raw Protocol
serves 30-60k req/s on one core. Pure stdlib, so it runs in CI without extra packages.

Routes (every answer is pre-encoded once at start):

* ``POST /api/v1/ping``        -> ``{"event":"pong","id":"…","now":"…"}``
* ``POST /api/v2/projects/get`` -> a bare JSON array of ~1 KB (the real endpoint's shape)
* ``POST /api/conat/hub``       -> ``{"now": <ms>}``, what a real hub answers ``system.ping``
  (tests/samples/real/hub-ping.json); the bridge's other functions are not served here
* ``GET /__stats``              -> per-path request counts, so a run can check the server saw
  exactly the calls the client reports

A POST without an ``Authorization`` header is answered 401, so a client that forgot its key
fails loudly instead of benchmarking an error path.

Run: ``python -m benchmarks.server --max-seconds 600`` prints one JSON line ``{"port": …}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from typing import Any

HOST = "127.0.0.1"  # loopback only, by the team's rule; never make this configurable
BACKLOG = 4096  # the default (100) leaves connections in SYN retries at C=5000

PING_BODY: dict[str, Any] = {
    "event": "pong",
    "id": "5a3f1c9e-0b7d-4e2a-9c61-3d8f7b2e4a10",
    "now": "2026-11-22T10:00:00.000Z",
}
CONAT_PING_BODY: dict[str, Any] = {"now": 1795341600000}


def _projects_body() -> list[dict[str, str | None]]:
    """Seven projects of the v2 ``projects/get`` shape: about 1 KB once encoded.

    The real hub answers a bare array of ``{project_id, title, description, name}`` with ``name``
    null for a project nobody named (recorded in tests/samples/real/v2-projects-get.json).
    """
    out = []
    for i in range(7):
        out.append(
            {
                "project_id": f"{i:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                "title": f"Benchmark project number {i}",
                "description": "A fixed project used by the loopback benchmark",
                "name": None,
            }
        )
    return out


PROJECTS_BODY = _projects_body()


def _response(status: int, reason: str, payload: object) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    ).encode()
    return head + body


ROUTES: dict[tuple[bytes, bytes], bytes] = {
    (b"POST", b"/api/v1/ping"): _response(200, "OK", PING_BODY),
    (b"POST", b"/api/v2/projects/get"): _response(200, "OK", PROJECTS_BODY),
    (b"POST", b"/api/conat/hub"): _response(200, "OK", CONAT_PING_BODY),
}
NOT_FOUND = _response(404, "Not Found", {"error": "not found"})
UNAUTHORIZED = _response(401, "Unauthorized", {"error": "missing Authorization header"})
LENGTH_REQUIRED = _response(411, "Length Required", {"error": "chunked bodies unsupported"})


class Counters:
    """Requests answered per path; read through ``GET /__stats``."""

    def __init__(self) -> None:
        self.by_path: dict[str, int] = {}
        self.connections = 0

    def snapshot(self) -> dict[str, Any]:
        return {"by_path": dict(self.by_path), "connections": self.connections}


class FixedHTTPProtocol(asyncio.Protocol):
    """One keep-alive connection: parse pipelined requests, answer each with fixed bytes."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters
        self._buf = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._counters.connections += 1

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        out: list[bytes] = []
        close = False
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end]
            lower = head.lower()
            length = 0
            i = lower.find(b"\r\ncontent-length:")
            if i >= 0:
                j = lower.find(b"\r\n", i + 2)
                length = int(lower[i + 17 : j if j >= 0 else len(lower)])
            total = end + 4 + length
            if len(buf) < total:
                break  # body still arriving
            line_end = head.find(b"\r\n")
            request_line = head if line_end < 0 else head[:line_end]
            parts = request_line.split(b" ")
            method = parts[0]
            target = parts[1].split(b"?", 1)[0] if len(parts) > 1 else b"/"
            buf = buf[total:]
            if b"\r\ntransfer-encoding:" in lower:
                out.append(LENGTH_REQUIRED)
                close = True
                break
            out.append(self._answer(method, target, lower))
            if b"\r\nconnection: close" in lower:
                close = True
                break
        self._buf = buf
        transport = self._transport
        if transport is None:
            return
        if out:
            transport.write(b"".join(out))
        if close:
            transport.close()

    def _answer(self, method: bytes, target: bytes, lower_head: bytes) -> bytes:
        if method == b"GET" and target == b"/__stats":
            return _response(200, "OK", self._counters.snapshot())
        path = target.decode("latin-1")
        by_path = self._counters.by_path
        by_path[path] = by_path.get(path, 0) + 1
        answer = ROUTES.get((method, target))
        if answer is None:
            return NOT_FOUND
        if b"\r\nauthorization:" not in lower_head:
            return UNAUTHORIZED
        return answer

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def start(port: int = 0, backlog: int = BACKLOG) -> tuple[asyncio.Server, Counters]:
    """Start the server in the running loop; the caller closes it. Returns (server, counters)."""
    counters = Counters()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: FixedHTTPProtocol(counters), HOST, port, backlog=backlog, reuse_address=True
    )
    return server, counters


def bound_port(server: asyncio.Server) -> int:
    """The port the kernel chose for ``port=0``."""
    port: int = server.sockets[0].getsockname()[1]
    return port


async def _main(port: int, max_seconds: float) -> None:
    server, _ = await start(port)
    print(json.dumps({"port": bound_port(server), "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        # Bounded life: a harness that dies without stopping us must not leave a server behind.
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except asyncio.TimeoutError:
        print("server: --max-seconds reached, exiting", file=sys.stderr)
    server.close()
    await server.wait_closed()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    asyncio.run(_main(args.port, args.max_seconds))


if __name__ == "__main__":
    main()
