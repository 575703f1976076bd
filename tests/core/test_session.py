"""The Session against a real aiohttp server on 127.0.0.1: pool bounds, retries, faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from cocalc_async import Client, Timeout, errors

from .conftest import API_KEY
from .scripted_server import ScriptedServer, endless_body, html, reply, reset, sleep_then

PING = "/api/v1/ping"


async def test_two_thousand_concurrent_pings_stay_within_the_connection_limit(
    server: ScriptedServer,
) -> None:
    server.handler_delay = 0.002  # keep calls overlapping so the pool is really exercised
    async with Client(
        API_KEY, base_url=server.url, connection_limit=20, max_concurrency=20
    ) as client:
        results = await asyncio.gather(*(client.call("v1", "ping", {}) for _ in range(2000)))
    assert len(results) == 2000
    assert all(isinstance(r, dict) and r["event"] == "pong" for r in results)
    assert server.count(PING) == 2000
    assert 1 < server.peak_connections <= 20


async def test_concurrency_above_the_pool_size_queues_in_the_sdk_not_in_aiohttp(
    server: ScriptedServer,
) -> None:
    server.handler_delay = 0.2
    async with Client(
        API_KEY,
        base_url=server.url,
        connection_limit=5,
        max_concurrency=50,
        request_timeout=Timeout(total=0.5),
    ) as client:
        # 20 calls of 0.2 s through 5 sockets take 0.8 s in all: more than the 0.5 s per-attempt
        # budget, so any call waiting for a socket inside aiohttp would time out.
        results = await asyncio.gather(*(client.call("v1", "ping", {}) for _ in range(20)))
    assert len(results) == 20
    assert server.peak_connections <= 5


async def test_503_503_then_200_succeeds_after_three_attempts(
    server: ScriptedServer, client: Client
) -> None:
    server.push(PING, html(503, "Service Unavailable"), html(503, "Service Unavailable"))
    assert await client.call("v1", "ping", {}) == {
        "event": "pong",
        "now": "2026-11-22T10:00:00.000Z",
    }
    assert server.count(PING) == 3
    request_ids = {r.headers["X-Request-Id"] for r in server.received}
    assert len(request_ids) == 1, "one logical call keeps one request id across retries"


async def test_retries_are_bounded_and_the_last_error_says_how_many(
    server: ScriptedServer, client: Client
) -> None:
    server.push(PING, *[html(502, "Bad Gateway")] * 5)
    with pytest.raises(errors.BadGatewayError) as info:
        await client.call("v1", "ping", {})
    assert server.count(PING) == 3
    assert info.value.attempts == 3
    assert "attempts=3" in str(info.value)


async def test_per_call_max_retries_override(server: ScriptedServer, client: Client) -> None:
    server.push(PING, html(502, "Bad Gateway"), html(502, "Bad Gateway"))
    with pytest.raises(errors.BadGatewayError):
        await client.call("v1", "ping", {}, max_retries=0)
    assert server.count(PING) == 1


async def test_reset_after_body_read_on_a_non_idempotent_call_is_not_repeated(
    server: ScriptedServer, client: Client
) -> None:
    path = "/api/v1/create_project"
    server.push(path, reset())
    with pytest.raises(errors.APIConnectionError) as info:
        await client.call("v1", "create_project", {"title": "x"})
    assert server.count(path) == 1
    assert info.value.may_have_reached_server


async def test_reset_on_an_idempotent_call_is_retried(
    server: ScriptedServer, client: Client
) -> None:
    server.push(PING, reset())
    assert (await client.call("v1", "ping", {}))["event"] == "pong"  # type: ignore[index, call-overload]
    assert server.count(PING) == 2


async def test_500_is_retried_only_when_idempotent(server: ScriptedServer, client: Client) -> None:
    server.push(PING, reply(500, {"error": "boom"}))
    assert await client.call("v1", "ping", {})
    path = "/api/v1/project_exec"
    server.push(path, reply(500, {"error": "boom"}))
    with pytest.raises(errors.InternalServerError, match="boom"):
        await client.call("v1", "project_exec", {"command": "ls"})
    assert server.count(path) == 1
    # the caller can say a call is safe to repeat
    server.push(path, reply(500, {"error": "boom"}))
    assert await client.call("v1", "project_exec", {"command": "ls"}, idempotent=True)


async def test_429_with_retry_after_waits_for_the_hint(
    server: ScriptedServer, client: Client
) -> None:
    server.push(PING, reply(429, {"error": "slow down"}, **{"Retry-After": "1"}))
    started = time.monotonic()
    await client.call("v1", "ping", {})
    assert time.monotonic() - started >= 0.95
    assert server.count(PING) == 2


async def test_retry_after_above_two_minutes_raises_at_once(
    server: ScriptedServer, client: Client
) -> None:
    server.push(PING, reply(429, {"error": "slow down"}, **{"Retry-After": "600"}))
    started = time.monotonic()
    with pytest.raises(errors.RateLimitError) as info:
        await client.call("v1", "ping", {})
    assert info.value.retry_after == 600
    assert time.monotonic() - started < 1
    assert server.count(PING) == 1


async def test_throttle_text_in_a_200_is_retried_even_when_not_idempotent(
    server: ScriptedServer, client: Client
) -> None:
    path = "/api/v2/messages/send"
    text = "too many requests to messages/send; try again in 0 seconds (rule: at most 1 requests per 1 second)"
    server.push(path, reply(200, {"error": text}))
    assert await client.call("v2", "messages/send", {"subject": "s"}) == {
        "event": "pong",
        "now": "2026-11-22T10:00:00.000Z",
    }
    assert server.count(path) == 2


async def test_200_with_error_is_raised_without_retry(
    server: ScriptedServer, client: Client
) -> None:
    path = "/api/v2/projects/get"
    server.push(path, reply(200, {"error": "user a does not have read access to project p"}))
    with pytest.raises(errors.PermissionDeniedError) as info:
        await client.call("v2", "projects/get", {})
    assert info.value.status_code == 200
    assert server.count(path) == 1


async def test_connection_refused_is_retried_then_raised(unused_tcp_port: int) -> None:
    async with Client(
        API_KEY, base_url=f"http://127.0.0.1:{unused_tcp_port}", max_retries=1
    ) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.call("v1", "create_project", {})
    assert not info.value.may_have_reached_server
    assert info.value.attempts == 2
    assert "cannot connect" in str(info.value)


async def test_read_timeout_on_a_non_idempotent_call_raises_timeout(server: ScriptedServer) -> None:
    path = "/api/v1/project_exec"
    server.push(path, sleep_then(2.0))
    async with Client(
        API_KEY, base_url=server.url, request_timeout=Timeout(read=0.2, total=5)
    ) as client:
        with pytest.raises(errors.APITimeoutError):
            await client.call("v1", "project_exec", {"command": "sleep 9"})
    assert server.count(path) == 1


async def test_per_call_timeout_override(server: ScriptedServer, client: Client) -> None:
    server.push(PING, sleep_then(2.0), sleep_then(2.0), sleep_then(2.0))
    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError):
        await client.call("v1", "ping", {}, request_timeout=0.2, max_retries=0)
    assert time.monotonic() - started < 1.5


async def test_body_over_max_response_bytes_is_refused(server: ScriptedServer) -> None:
    async with Client(API_KEY, base_url=server.url, max_response_bytes=1000) as client:
        server.push(PING, reply(200, {"x": "y" * 5000}))
        with pytest.raises(errors.ResponseTooLargeError):
            await client.call("v1", "ping", {})
        server.push(PING, endless_body())
        with pytest.raises(errors.ResponseTooLargeError):
            await client.call("v1", "ping", {})
        # and the pool is still healthy afterwards
        assert await client.call("v1", "ping", {})


async def test_cancelling_500_calls_leaves_the_pool_healthy(
    server: ScriptedServer, client: Client
) -> None:
    server.handler_delay = 0.05
    tasks = [asyncio.create_task(client.call("v1", "ping", {})) for _ in range(500)]
    await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(isinstance(o, asyncio.CancelledError) for o in outcomes) > 0
    server.handler_delay = 0
    assert (await client.call("v1", "ping", {}))["event"] == "pong"  # type: ignore[index, call-overload]
    assert client.session.in_flight == 0


async def test_close_with_calls_in_flight_raises_client_closed(server: ScriptedServer) -> None:
    server.handler_delay = 1.0
    client = Client(API_KEY, base_url=server.url)
    tasks = [asyncio.create_task(client.call("v1", "ping", {})) for _ in range(150)]
    await asyncio.sleep(0.1)  # 100 in flight, 50 waiting for a semaphore slot
    await client.close()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, errors.ClientClosedError) for o in outcomes), {
        type(o) for o in outcomes
    }
    with pytest.raises(errors.ClientClosedError):
        await client.call("v1", "ping", {})
    await client.close()  # closing twice is harmless


async def test_close_does_not_swallow_the_callers_own_cancellation(
    server: ScriptedServer, client: Client
) -> None:
    server.handler_delay = 1.0
    task = asyncio.create_task(client.call("v1", "ping", {}))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_client_used_from_a_second_event_loop_raises_clearly() -> None:
    async def start(srv_holder: list[ScriptedServer]) -> None:
        srv_holder.append(await ScriptedServer().start())

    client = Client(API_KEY, base_url="http://127.0.0.1:9")

    async def first() -> None:
        with pytest.raises(errors.APIConnectionError):
            await client.call("v1", "ping", {}, max_retries=0)

    async def second() -> None:
        with pytest.raises(errors.EventLoopMismatchError, match="another event loop"):
            await client.call("v1", "ping", {})

    loop1 = asyncio.new_event_loop()
    loop1.run_until_complete(first())
    loop2 = asyncio.new_event_loop()
    loop2.run_until_complete(second())
    loop1.run_until_complete(client.close())
    loop1.close()
    loop2.close()


async def test_auth_headers(server: ScriptedServer) -> None:
    async with Client(API_KEY, base_url=server.url) as client:
        await client.call("v1", "ping", {})
    async with Client(API_KEY, base_url=server.url, auth="bearer") as client:
        await client.call("v1", "ping", {})
    basic, bearer = (r.headers["Authorization"] for r in server.received)
    import base64

    assert base64.b64decode(basic.removeprefix("Basic ")).decode() == f"{API_KEY}:"
    assert bearer == f"Bearer {API_KEY}"
    assert server.received[0].headers["Content-Type"] == "application/json"


async def test_authorization_is_not_sent_to_another_origin_on_redirect(
    server: ScriptedServer,
) -> None:
    other = await ScriptedServer().start()
    try:
        server.push(PING, reply(307, text="", Location=f"{other.url}{PING}"))
        async with Client(API_KEY, base_url=server.url) as client:
            await client.call("v1", "ping", {})
        assert other.count(PING) == 1
        assert "Authorization" not in other.received[0].headers
        assert "Authorization" in server.received[0].headers
    finally:
        await other.stop()
