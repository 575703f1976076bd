"""A compressed body is limited by its decoded size, while it is read.

A 1 MiB gzip or deflate body with an honest ``Content-Length`` inflates to 1 GiB; before the limit
counted decoded bytes, ``max_response_bytes`` let it through and the process grew by gigabytes.
Brotli is covered only when aiohttp can decode it (the ``brotli`` package is installed).
"""

from __future__ import annotations

import asyncio
import struct
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from functools import cache

import pytest
from aiohttp import web

from cocalc_async import Client, errors

INFLATED = 2**30  # what the bomb decodes to
LIMIT = 2 * 2**20


@cache
def bomb(encoding: str) -> bytes:
    """A valid ``encoding`` body (about 1 MiB) that decodes to ``INFLATED`` zero bytes.

    Built without compressing a gigabyte: after a full flush the compressor's output for one
    more block of zeros is the same bytes every time, so that block is repeated.
    """
    block = b"\0" * 2**20
    count = INFLATED // len(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(block) + compressor.flush()
    raw = first + repeat * (count - 3) + repeat + last
    crc, adler = 0, 1
    for _ in range(count):
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    if encoding == "gzip":
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        return header + raw + struct.pack("<II", crc, INFLATED & 0xFFFFFFFF)
    return b"\x78\xda" + raw + struct.pack(">I", adler)


def test_the_bomb_really_inflates_to_a_gigabyte() -> None:
    """The fixture is a valid stream: the first 128 KiB decode to 64 MiB of zeros."""
    for encoding, wbits in (("gzip", 16 + zlib.MAX_WBITS), ("deflate", zlib.MAX_WBITS)):
        data = bomb(encoding)
        decoder = zlib.decompressobj(wbits)
        out = decoder.decompress(data[: 2**17], 64 * 2**20)
        assert len(out) == 64 * 2**20
        assert set(out) == {0}


@pytest.fixture
async def bomb_server() -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        encoding = request.match_info["encoding"]
        body = bomb(encoding)
        return web.Response(
            body=body,
            headers={"Content-Encoding": encoding, "Content-Type": "application/json"},
        )

    app = web.Application()
    app.router.add_post("/api/v1/{encoding}", handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_decompression_bomb_is_refused_at_the_decoded_limit(
    bomb_server: str, encoding: str
) -> None:
    assert len(bomb(encoding)) < LIMIT  # the compressed body alone is under the limit
    tracemalloc.start()
    started = time.monotonic()
    try:
        async with Client("sk_bomb_test", base_url=bomb_server, max_response_bytes=LIMIT) as c:
            with pytest.raises(errors.ResponseTooLargeError) as info:
                await asyncio.wait_for(c.call("v1", encoding, idempotent=True), 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert "max_response_bytes" in str(info.value)
    # The compressed body itself is buffered by the test server (~1 MiB); the client may hold the
    # limit plus a few read chunks, never the gigabyte.
    assert peak < LIMIT + len(bomb(encoding)) + 4 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert elapsed < 15, f"took {elapsed:.1f} s: the body was inflated instead of refused"


async def test_a_compressed_body_under_the_limit_is_read_whole(bomb_server: str) -> None:
    """The decoded-size limit must not refuse a legitimate compressed answer."""

    async def handle(request: web.Request) -> web.Response:
        return web.Response(
            body=zlib.compress(b'{"event": "pong", "pad": "' + b"x" * 100_000 + b'"}'),
            headers={"Content-Encoding": "deflate", "Content-Type": "application/json"},
        )

    app = web.Application()
    app.router.add_post("/api/v1/ping", handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    try:
        async with Client("sk_small", base_url=url, max_response_bytes=200_000) as c:
            result = await c.call("v1", "ping")
        assert isinstance(result, dict)
        pad = result["pad"]
        assert isinstance(pad, str)
        assert len(pad) == 100_000
        async with Client("sk_small", base_url=url, max_response_bytes=50_000) as c:
            with pytest.raises(errors.ResponseTooLargeError):
                await c.call("v1", "ping")
    finally:
        await runner.cleanup()
