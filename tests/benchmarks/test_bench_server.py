"""The fixed-response server answers correctly, including pipelined and split requests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from benchmarks.server import PING_BODY, PROJECTS_BODY, bound_port, start

AUTH = b"Authorization: Basic c2s6\r\n"


@pytest.fixture
async def port() -> AsyncIterator[int]:
    server, _ = await start(0)
    try:
        yield bound_port(server)
    finally:
        server.close()
        await server.wait_closed()


def request(path: str, body: bytes = b"{}", auth: bytes = AUTH, method: str = "POST") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + auth + b"\r\n" + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, object]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, json.loads(await reader.readexactly(length))


async def exchange(port: int, *payloads: bytes, answers: int) -> list[tuple[int, object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for payload in payloads:
            writer.write(payload)
            await writer.drain()
        return [await read_response(reader) for _ in range(answers)]
    finally:
        writer.close()
        await writer.wait_closed()


async def test_ping_v2_and_conat(port: int) -> None:
    got = await exchange(
        port,
        request("/api/v1/ping") + request("/api/v2/projects/get") + request("/api/conat/hub"),
        answers=3,
    )
    assert got[0] == (200, PING_BODY)
    assert got[1] == (200, PROJECTS_BODY)
    assert got[2][0] == 200
    assert isinstance(got[2][1], dict)
    assert "now" in got[2][1]


def test_v2_body_is_about_one_kilobyte() -> None:
    size = len(json.dumps(PROJECTS_BODY, separators=(",", ":")))
    assert 800 <= size <= 1300


async def test_request_split_across_packets(port: int) -> None:
    raw = request("/api/v1/ping", body=b'{"a": 1}')
    got = await exchange(port, raw[:10], raw[10:-3], raw[-3:], answers=1)
    assert got == [(200, PING_BODY)]


async def test_missing_auth_and_unknown_path(port: int) -> None:
    got = await exchange(
        port, request("/api/v1/ping", auth=b"") + request("/api/v1/nope"), answers=2
    )
    assert got[0][0] == 401
    assert got[1][0] == 404


async def test_stats_count_requests(port: int) -> None:
    got = await exchange(
        port,
        request("/api/v1/ping") * 3 + request("/__stats", body=b"", method="GET"),
        answers=4,
    )
    status, stats = got[3]
    assert status == 200
    assert isinstance(stats, dict)
    assert stats["by_path"] == {"/api/v1/ping": 3}
