"""A pooled keep-alive socket that died before the request was written.

aiohttp then raises ``ClientOSError("Can not write request body ...")`` caused by
``ClientConnectionResetError("Cannot write to closing transport")``: proof that nothing left the
client, so even a non-idempotent call is retried. A call whose bytes may have arrived is never
repeated.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cocalc_async import Client, errors
from cocalc_async.transport import AiohttpTransport, _describe_transport_error, _nothing_was_sent

KEY = "sk_stale_socket_test_0123"


class Counting:
    """A server counting the requests it received by X-Request-Id."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.url = ""
        self.reset_after_read = False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        self.seen[request.headers.get("X-Request-Id", "")] += 1
        self.paths[request.path] += 1
        if self.reset_after_read and request.path.endswith("create_project"):
            assert request.transport is not None
            request.transport.abort()  # the handler ran; the answer is lost
            await asyncio.sleep(0.05)
        return web.json_response({"event": "project_created", "project_id": "p1"})


@pytest.fixture
async def counting() -> AsyncIterator[Counting]:
    server = Counting()
    app = web.Application()
    app.router.add_post("/{tail:.*}", server.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    server.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
    yield server
    await runner.cleanup()


def kill_pooled_sockets(client: Client) -> list[int]:
    """Make the pool hand out a socket that dies before the request is written.

    The connector's ``_get`` returns a live pooled connection; the transport is aborted on the
    next loop step, after ``send`` has buffered the headers and before the body-writer task runs,
    as when the server's FIN lands in that window. Returns a list counting the kills.
    """
    transport = client.session.transport
    assert isinstance(transport, AiohttpTransport)
    http = transport._http
    assert http is not None
    connector: Any = http.connector
    original: Callable[..., Awaitable[Any]] = connector._get
    kills: list[int] = []

    async def _get(*args: Any, **kwargs: Any) -> Any:
        proto = await original(*args, **kwargs)
        if proto is not None and proto.transport is not None:
            kills.append(1)
            asyncio.get_running_loop().call_soon(proto.transport.abort)
        return proto

    connector._get = _get
    return kills


async def test_a_create_on_a_dead_pooled_socket_is_retried_and_runs_once(
    counting: Counting,
) -> None:
    async with Client(KEY, base_url=counting.url, max_retries=2) as client:
        await client.call("v1", "ping")  # leaves one socket in the pool
        kills = kill_pooled_sockets(client)
        result = await client.call("v1", "create_project", {"title": "t"}, idempotent=False)
    assert result == {"event": "project_created", "project_id": "p1"}
    assert kills == [1]
    assert counting.paths["/api/v1/create_project"] == 1
    assert all(n == 1 for n in counting.seen.values())


async def test_without_retries_the_error_says_nothing_was_sent(counting: Counting) -> None:
    async with Client(KEY, base_url=counting.url, max_retries=0) as client:
        await client.call("v1", "ping")
        kill_pooled_sockets(client)
        with pytest.raises(errors.APIConnectionError) as info:
            await client.call("v1", "create_project", {"title": "t"}, idempotent=False)
    assert info.value.may_have_reached_server is False
    assert info.value.transient is True
    assert "nothing was sent" in str(info.value)
    assert counting.paths["/api/v1/create_project"] == 0


async def test_a_create_that_may_have_arrived_is_never_repeated(counting: Counting) -> None:
    counting.reset_after_read = True
    async with Client(KEY, base_url=counting.url, max_retries=3) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.call("v1", "create_project", {"title": "t"}, idempotent=False)
        assert info.value.may_have_reached_server is True
        assert info.value.attempts == 1
    assert counting.paths["/api/v1/create_project"] == 1


def test_only_the_exact_write_failure_counts_as_proof() -> None:
    url = "http://127.0.0.1:1/api/v1/create_project"
    proof = aiohttp.ClientOSError(None, f"Can not write request body for {url}")
    proof.__cause__ = aiohttp.ClientConnectionResetError("Cannot write to closing transport")
    assert _nothing_was_sent(proof)
    assert _describe_transport_error(proof)[2] is False  # may_have_reached_server

    after_write = aiohttp.ClientOSError(104, f"Can not write request body for {url}")
    after_write.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    disconnected = aiohttp.ServerDisconnectedError()
    lost = aiohttp.ClientOSError(None, "Connection lost")
    lost.__cause__ = aiohttp.ClientConnectionResetError("Cannot write to closing transport")
    for exc in (after_write, disconnected, lost):
        assert not _nothing_was_sent(exc)
        assert _describe_transport_error(exc)[2] is True


async def test_a_server_that_drops_idle_sockets_never_gets_a_create_twice() -> None:
    """The natural race: the server closes every keep-alive socket a moment after answering.

    Most losses here are a request written into a socket whose FIN had not been processed yet:
    aiohttp reports ``ServerDisconnectedError``, which proves nothing (the bytes were handed to
    the kernel), so those creates fail rather than risk a second run. What must hold: no create
    runs twice, and no failure claims the request was unsent (an unsent one is retried).
    """
    seen: Counter[str] = Counter()

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        seen[request.headers.get("X-Request-Id", "")] += 1
        response = web.json_response({"event": "project_created", "project_id": "p"})
        transport = request.transport
        if transport is not None:
            asyncio.get_running_loop().call_later(0.002, transport.close)
        return response

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
    outcomes: Counter[str] = Counter()
    try:
        async with Client(KEY, base_url=url, max_retries=2, connection_limit=4) as client:
            for i in range(150):
                try:
                    await client.call("v1", "create_project", {"title": "t"}, idempotent=False)
                    outcomes["ok"] += 1
                except errors.APIConnectionError as exc:
                    outcomes["sent" if exc.may_have_reached_server else "unsent"] += 1
                await asyncio.sleep(0.002 if i % 2 else 0)
    finally:
        await runner.cleanup()
    assert sum(outcomes.values()) == 150
    assert max(seen.values()) == 1, "a create ran twice"
    assert outcomes["unsent"] == 0  # an unsent create is retried, never reported
    assert outcomes["ok"] > 0
