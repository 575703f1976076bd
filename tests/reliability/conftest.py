"""Shared fixtures: an emulator whose requests' ``X-Request-Id`` headers are recorded, and quick
backoff so retries cost milliseconds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from cocalc_async.testing import Emulator


class RequestIds:
    """``X-Request-Id`` of every request the emulator received, by URL path."""

    def __init__(self) -> None:
        self.by_path: defaultdict[str, list[str]] = defaultdict(list)
        self.authorization: list[str | None] = []

    def for_endpoint(self, endpoint: str) -> list[str]:
        return self.by_path["/api/" + endpoint]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from cocalc_async import retry

    fast = retry.RetryPolicy(initial_delay=0.01, max_delay=0.05)
    monkeypatch.setattr(retry, "DEFAULT_POLICY", fast)


@pytest.fixture
def request_ids(monkeypatch: pytest.MonkeyPatch) -> RequestIds:
    """Wraps the emulator's app factory with a middleware recording request ids."""
    from cocalc_async.testing import emulator as emulator_module

    ids = RequestIds()
    original = emulator_module.build_app

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        ids.by_path[request.path].append(request.headers.get("X-Request-Id", ""))
        ids.authorization.append(request.headers.get("Authorization"))
        return await handler(request)

    def build_app(ctx: Any) -> web.Application:
        app = original(ctx)
        app.middlewares.append(record)
        return app

    monkeypatch.setattr(emulator_module, "build_app", build_app)
    return ids


@pytest.fixture
async def emu(request_ids: RequestIds) -> AsyncIterator[Emulator]:
    async with Emulator(v1=True) as emulator:
        yield emulator
