"""The loop that benchmarks.instructions runs under callgrind issues exactly the pings it says."""

from __future__ import annotations

import pytest

from benchmarks.drivers import ENDPOINTS, WIRE
from benchmarks.instructions import CLIENTS, _loop
from benchmarks.server import bound_port, start


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_each_client_loop_sends_n_calls(client: str, endpoint: str) -> None:
    server, counters = await start(0)
    try:
        await _loop(client, f"http://127.0.0.1:{bound_port(server)}", n=37, c=5, endpoint=endpoint)
    finally:
        server.close()
        await server.wait_closed()
    assert counters.by_path == {WIRE[endpoint][0]: 37}
