"""Cancelling a call at any point leaves the Client usable; close() ends calls and leaks nothing.

Extends tests/core/test_session.py (which cancels 500 calls at once and checks close() raises
ClientClosedError) with each precise point of cancellation and the leak checks.
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from cocalc_async import Client, Timeout, errors
from cocalc_async.testing import Emulator, FaultKind

from .test_soak import established_to


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def wait_until(predicate: object, timeout: float = 5.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def pings_work(client: Client, n: int = 5) -> None:
    """The client still serves calls: ``n`` concurrent pings finish within a few seconds."""
    results = await asyncio.wait_for(
        asyncio.gather(*(client.call("v1", "ping") for _ in range(n))), 5
    )
    assert all(isinstance(r, dict) and r.get("event") == "pong" for r in results)
    assert client.session.in_flight == 0


async def test_cancelled_before_it_ever_ran(emu: Emulator) -> None:
    async with Client(emu.api_key, base_url=emu.url) as client:
        task = asyncio.create_task(client.call("v1", "ping"))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert emu.requests.count("v1/ping") == 0
        await pings_work(client)


async def test_cancelled_while_waiting_for_a_pooled_connection(emu: Emulator) -> None:
    """Past the semaphore, before a connection: the only socket is held by a slow call."""
    emu.faults.add("v1/ping", FaultKind.SLOW, delay=0.5)
    async with Client(
        emu.api_key, base_url=emu.url, max_concurrency=2, connection_limit=1
    ) as client:
        slow = asyncio.create_task(client.call("v1", "ping"))
        await wait_until(lambda: emu.requests.count("v1/ping") == 1)
        waiting = asyncio.create_task(client.call("v1", "ping"))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await slow
        assert emu.requests.count("v1/ping") == 1  # the cancelled call never reached the server
        await pings_work(client)
        assert established_to(port_of(emu.url)) <= 1


async def test_cancelled_while_waiting_for_a_semaphore_slot(emu: Emulator) -> None:
    emu.faults.add("v1/ping", FaultKind.SLOW, delay=0.5)
    async with Client(emu.api_key, base_url=emu.url, max_concurrency=1) as client:
        slow = asyncio.create_task(client.call("v1", "ping"))
        await wait_until(lambda: emu.requests.count("v1/ping") == 1)
        queued = [asyncio.create_task(client.call("v1", "ping")) for _ in range(3)]
        await asyncio.sleep(0.05)
        for task in queued:
            task.cancel()
        outcomes = await asyncio.gather(*queued, return_exceptions=True)
        assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
        await slow
        assert emu.requests.count("v1/ping") == 1
        # A leaked slot would make a one-slot client hang here.
        await pings_work(client, n=10)


async def test_cancelled_during_retry_backoff_makes_no_further_attempt(emu: Emulator) -> None:
    emu.faults.add("v1/ping", FaultKind.HTTP_503, retry_after=30)
    async with Client(emu.api_key, base_url=emu.url) as client:
        task = asyncio.create_task(client.call("v1", "ping"))
        await wait_until(lambda: emu.requests.count("v1/ping") == 1)
        await asyncio.sleep(0.05)  # now sleeping the 30 s Retry-After
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 1.0
        assert client.session.in_flight == 0
        await asyncio.sleep(0.2)
        assert emu.requests.count("v1/ping") == 1
        await pings_work(client)


class HalfAnswer:
    """A server that sends headers and the first bytes of a body, then stalls until released."""

    def __init__(self) -> None:
        self.sent_part = asyncio.Event()
        self.release = asyncio.Event()
        self.peers: list[object] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.peers.append(
            request.transport.get_extra_info("peername") if request.transport else None
        )
        if request.path.endswith("/stall"):
            response = web.StreamResponse(status=200)
            response.content_type = "application/json"
            response.content_length = 100
            await response.prepare(request)
            await response.write(b'{"event": "pong", "')
            self.sent_part.set()
            await asyncio.wait_for(self.release.wait(), 10)
            return response
        return web.json_response({"event": "pong"})

    async def __aenter__(self) -> HalfAnswer:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def half() -> AsyncIterator[HalfAnswer]:
    async with HalfAnswer() as server:
        yield server


async def test_cancelled_in_the_middle_of_a_response(half: HalfAnswer) -> None:
    async with Client("sk_cancel_test", base_url=half.url, connection_limit=1) as client:
        task = asyncio.create_task(client.call("v1", "stall", idempotent=True))
        await asyncio.wait_for(half.sent_part.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.session.in_flight == 0
        # The half-read connection is not reused: the next calls open a fresh one (with a
        # one-socket pool, a leaked connection would make them hang).
        for _ in range(3):
            reply = await asyncio.wait_for(client.call("v1", "ping"), 5)
            assert reply == {"event": "pong"}
        assert half.peers[1] != half.peers[0]
        assert half.peers[1] == half.peers[3]
        assert established_to(port_of(half.url)) <= 1


async def test_close_during_retry_backoff_raises_client_closed_at_once(emu: Emulator) -> None:
    emu.faults.add("v1/ping", FaultKind.HTTP_503, retry_after=30)
    client = Client(emu.api_key, base_url=emu.url)
    task = asyncio.create_task(client.call("v1", "ping"))
    await wait_until(lambda: emu.requests.count("v1/ping") == 1)
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await client.close()
    with pytest.raises(errors.ClientClosedError):
        await task
    assert time.monotonic() - started < 1.0
    assert emu.requests.count("v1/ping") == 1


async def test_close_with_calls_in_flight_leaks_nothing() -> None:
    loop = asyncio.get_running_loop()
    loop_errors: list[object] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with Emulator(v1=True) as emu:
                emu.faults.latency_ms = 1000
                client = Client(
                    emu.api_key, base_url=emu.url, max_concurrency=50, connection_limit=50
                )
                tasks = [asyncio.create_task(client.call("v1", "ping")) for _ in range(80)]
                await asyncio.sleep(0.2)  # 50 on the wire, 30 waiting for a slot
                assert established_to(port_of(emu.url)) == 50
                await client.close()
                outcomes = await asyncio.gather(*tasks, return_exceptions=True)
                assert all(isinstance(o, errors.ClientClosedError) for o in outcomes), {
                    type(o).__name__ for o in outcomes
                }
                assert all("closed" in str(o) for o in outcomes)
                assert client.session.in_flight == 0
                await asyncio.sleep(0.05)
                assert established_to(port_of(emu.url)) == 0
                emu.faults.latency_ms = 0
            del client, tasks, outcomes
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not [w for w in caught if "never awaited" in str(w.message)]
    assert not loop_errors
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    assert not others


async def test_a_cancelled_polling_wait_stops_polling() -> None:
    polling = pytest.importorskip("cocalc_async.polling")
    async with Emulator(copy_delay=60, v1=True) as emu:
        src, dst = emu.create_project(), emu.create_project()
        async with Client(
            emu.api_key, base_url=emu.url, request_timeout=Timeout(total=5)
        ) as client:
            reply = await client.call(
                "v1",
                "copy_path_between_projects",
                {"src_project_id": src, "src_path": ".", "target_project_id": dst},
            )
            assert isinstance(reply, dict)
            copy_id = reply["copy_path_id"]
            waiter = asyncio.create_task(
                polling.wait_for_copy(client, copy_id, interval=0.02, max_interval=0.05)
            )
            await wait_until(lambda: emu.requests.count("v1/copy_path_status") >= 3)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            seen = emu.requests.count("v1/copy_path_status")
            await asyncio.sleep(0.3)  # several polling intervals
            assert emu.requests.count("v1/copy_path_status") == seen
            assert client.session.in_flight == 0
