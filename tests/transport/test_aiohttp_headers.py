"""The default transport sends each header once, whether it came from its defaults or the call.

The Session's static headers (authorization, content type, user agent) are set once on the aiohttp
session, and each request sends only what differs from them; a real loopback server shows what
actually went over the wire.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from multidict import CIMultiDictProxy

from cocalc_async import Client
from cocalc_async._config import Timeout
from cocalc_async.transport import AiohttpTransport, TransportRequest

KEY = "sk-headers0000000000000001"


@pytest.fixture
async def seen() -> AsyncIterator[tuple[str, list[CIMultiDictProxy[str]]]]:
    received: list[CIMultiDictProxy[str]] = []

    async def handler(request: web.Request) -> web.Response:
        received.append(request.headers)
        return web.json_response({"now": 1})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


async def test_a_client_call_sends_every_header_once(
    seen: tuple[str, list[CIMultiDictProxy[str]]],
) -> None:
    url, received = seen
    async with Client(KEY, base_url=url, user_agent="headers-test/1") as client:
        await client.call("conat/hub", "system.ping", {"args": []})
        await client.call("conat/hub", "system.ping", {"args": []})
    assert len(received) == 2
    basic = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    for headers in received:
        assert headers.getall("Authorization") == [basic]
        assert headers.getall("User-Agent") == ["headers-test/1"]
        assert headers.getall("Content-Type") == ["application/json"]
        assert len(headers.getall("X-Request-Id")) == 1
    assert received[0]["X-Request-Id"] != received[1]["X-Request-Id"]


@pytest.mark.parametrize(
    ("own", "expected"),
    [
        # the common case: the defaults plus a request id
        ({"A": "1", "B": "2", "X-Request-Id": "r1"}, {"A": "1", "B": "2", "X-Request-Id": "r1"}),
        # a request's value overrides a default, and a header of its own is added
        ({"A": "9", "B": "2", "C": "3"}, {"A": "9", "B": "2", "C": "3"}),
        # a request with fewer headers still gets the defaults (they cannot be removed)
        ({"X-Request-Id": "r2"}, {"A": "1", "B": "2", "X-Request-Id": "r2"}),
    ],
)
async def test_defaults_and_a_requests_own_headers(
    seen: tuple[str, list[CIMultiDictProxy[str]]],
    own: dict[str, str],
    expected: dict[str, str],
) -> None:
    url, received = seen
    transport = AiohttpTransport(default_headers={"A": "1", "B": "2"})
    request = TransportRequest(
        "POST", f"{url}/api/conat/hub", own, b"{}", Timeout.coerce(5), "conat/hub/x", "id"
    )
    try:
        response = await transport.handle(request)
    finally:
        await transport.aclose()
    assert response.status == 200
    (headers,) = received
    for name, value in expected.items():
        assert headers.getall(name) == [value]
    assert set(expected) | {"A", "B"} >= {n for n in headers if n in {"A", "B", "C"}}
