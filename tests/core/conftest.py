from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cocalc_async import Client

from .scripted_server import ScriptedServer

API_KEY = "sk_core_test_key_0123456789"


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    srv = await ScriptedServer().start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def client(server: ScriptedServer) -> AsyncIterator[Client]:
    async with Client(API_KEY, base_url=server.url, request_timeout=10) as c:
        yield c


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait a few milliseconds in tests unless a test asks for real server hints."""
    from cocalc_async import retry

    fast = retry.RetryPolicy(initial_delay=0.01, max_delay=0.05)
    monkeypatch.setattr(retry, "DEFAULT_POLICY", fast)
