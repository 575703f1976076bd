"""Retries after the status/response split, end to end through a Client and a loopback server: a
throttle in a 200 body with a wait hint and a 429 are retried (the server did not process the
call); a refusal is not, whichever way it came."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from cocalc_async import Client, errors, retry

KEY = "sk_errors_test_key_0123456789"
THROTTLE = "too many requests to messages/get; try again in 0.01 seconds"


class Scripted:
    """Answers each request with the next (status, body, headers) of its script, then a pong."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any, dict[str, str]]] = []
        self.hits = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> Scripted:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.hits += 1
        if self.answers:
            status, body, headers = self.answers.pop(0)
        else:
            status, body, headers = 200, {"now": 1}, {}
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **headers},
        )


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Scripted]:
    fast = retry.RetryPolicy(initial_delay=0.01, max_delay=0.02)
    monkeypatch.setattr(retry, "DEFAULT_POLICY", fast)
    s = await Scripted().start()
    try:
        yield s
    finally:
        await s.stop()


async def call(server: Scripted, *, idempotent: bool) -> Any:
    async with Client(KEY, base_url=server.url, request_timeout=10, max_retries=2) as client:
        return await client.call("conat/hub", "system.ping", {"args": []}, idempotent=idempotent)


@pytest.mark.parametrize("idempotent", [True, False])
async def test_a_throttle_in_a_200_body_with_a_hint_is_retried(
    server: Scripted, idempotent: bool
) -> None:
    server.answers.append((200, {"error": THROTTLE}, {}))
    assert await call(server, idempotent=idempotent) == {"now": 1}
    assert server.hits == 2


@pytest.mark.parametrize("idempotent", [True, False])
async def test_a_429_is_retried(server: Scripted, idempotent: bool) -> None:
    server.answers.append((429, {"error": "slow down"}, {"Retry-After": "0"}))
    assert await call(server, idempotent=idempotent) == {"now": 1}
    assert server.hits == 2


async def test_the_last_throttle_is_raised_as_a_response_rate_limit(server: Scripted) -> None:
    server.answers.extend([(200, {"error": THROTTLE}, {})] * 3)
    with pytest.raises(errors.RateLimitResponseError) as info:
        await call(server, idempotent=True)
    assert info.value.attempts == 3
    assert server.hits == 3


@pytest.mark.parametrize(
    ("status", "form"),
    [(200, errors.AuthenticationResponseError), (401, errors.AuthenticationStatusError)],
)
async def test_a_refused_key_is_not_retried_either_way(
    server: Scripted, status: int, form: type[errors.APIError]
) -> None:
    server.answers.append((status, {"error": "user must be signed in"}, {}))
    with pytest.raises(errors.AuthenticationError) as info:
        await call(server, idempotent=True)
    assert type(info.value) is form
    assert server.hits == 1


@pytest.mark.parametrize("idempotent", [True, False])
def test_the_default_policy_decides_by_kind_and_status_not_by_base(idempotent: bool) -> None:
    policy = retry.RetryPolicy()
    hinted = errors.RateLimitError(THROTTLE, status_code=200, retry_after=0.5)
    assert type(hinted) is errors.RateLimitResponseError
    assert policy.is_retryable(hinted, idempotent=idempotent)
    assert policy.is_retryable(
        errors.RateLimitError("slow", status_code=429), idempotent=idempotent
    )
    # The sign-in throttle gives no hint: a retry within the minute would fail the same way.
    assert not policy.is_retryable(
        errors.RateLimitError("too many attempts"), idempotent=idempotent
    )
    for status in (200, 401):
        refused = errors.AuthenticationError("must be signed in", status_code=status)
        assert not policy.is_retryable(refused, idempotent=idempotent)
    body_error = errors.APIResponseError("fetch failed", status_code=200)
    assert not policy.is_retryable(body_error, idempotent=idempotent)
