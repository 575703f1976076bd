"""Hostile input: fuzzed responses and arguments, oversized and endless bodies.

Extends tests/core/test_sansio.py (text bodies, truthy error fields) with raw bytes, headers,
statuses and deep/huge JSON, and tests/core/test_session.py (one oversized body) with an endless
body whose memory is measured.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocalc_async import Client, errors
from cocalc_async._sansio import build_request, classify_response

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    api=st.sampled_from(["v1", "v2", "conat/hub", "conat/project"]),
    status=st.integers(min_value=100, max_value=599),
    headers=st.dictionaries(
        st.sampled_from(["Retry-After", "retry-after-ms", "Content-Type", "X"]),
        st.text(max_size=30),
    ),
    body=st.one_of(
        st.binary(max_size=2000),
        st.binary().map(lambda b: b"\xff\xfe" + b),  # never valid UTF-8
        st.integers(min_value=1, max_value=20000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=300, max_value=5000).map(lambda n: b"9" * n),
        st.integers(min_value=300, max_value=5000).map(lambda n: b'{"error":' + b"9" * n + b"}"),
        json_values.map(lambda v: repr(v).encode()),
    ),
)
def test_only_cocalc_errors_escape_the_classifier(
    api: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    caught: errors.CoCalcError | None = None
    try:
        classify_response(api, "ping", status, headers, body)
    except errors.CoCalcError as exc:
        caught = exc
    if caught is not None:
        assert str(caught)
        assert len(getattr(caught, "body_excerpt", "")) <= 300


class Recorder:
    def __init__(self) -> None:
        self.sent = 0

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return {}


@settings(max_examples=200, deadline=None)
@given(
    bad=st.one_of(
        st.text(max_size=40), st.integers(), st.lists(st.integers(), min_size=1, max_size=2)
    )
)
async def test_bad_uuids_are_refused_before_anything_is_sent(bad: Any) -> None:
    import re

    from cocalc_async._generated.v1 import V1

    if isinstance(bad, str) and re.fullmatch(
        r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", bad
    ):
        return
    recorder = Recorder()
    v1 = V1(recorder)
    with pytest.raises((ValueError, TypeError)) as info:
        await v1.project_exec(project_id=bad, command="true")
    assert "project_id" in str(info.value)
    assert recorder.sent == 0


@settings(max_examples=200, deadline=None)
@given(
    params=st.dictionaries(
        st.one_of(st.integers(), st.none(), st.tuples(st.integers())), st.integers(), min_size=1
    )
    | st.lists(st.integers())
    | st.text()
    | st.dictionaries(st.text(), st.sets(st.integers(), min_size=1), min_size=1)
)
def test_client_call_refuses_bad_params_before_building_a_request(params: Any) -> None:
    with pytest.raises(TypeError):
        build_request("v2", "projects/get", params, base_url="http://127.0.0.1:1")


async def test_unknown_keywords_to_generated_coroutines_fail_before_sending() -> None:
    from cocalc_async._generated.v1 import V1

    recorder = Recorder()
    v1: Any = V1(recorder)
    with pytest.raises(TypeError, match="bogus"):
        await v1.ping(bogus=1)
    assert recorder.sent == 0


class BigServer:
    def __init__(self) -> None:
        self.bytes_sent = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        chunk = b"x" * 65536
        response = web.StreamResponse()
        if request.path.endswith("/declared"):
            response.content_length = 256 * 2**20  # announced, never read by the client
        await response.prepare(request)
        try:
            for _ in range(16384):  # at most 1 GiB, so the loop ends by itself
                await response.write(chunk)
                self.bytes_sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response


@pytest.fixture
async def big() -> AsyncIterator[BigServer]:
    server = BigServer()
    app = web.Application()
    app.router.add_post("/{tail:.*}", server.handle)
    server.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
    await server.runner.setup()
    site = web.TCPSite(server.runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    server.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
    yield server
    await server.runner.cleanup()


@pytest.mark.parametrize("path", ["declared", "endless"])
async def test_oversized_and_endless_bodies_are_cut_off_at_the_limit(
    big: BigServer, path: str
) -> None:
    limit = 2 * 2**20
    tracemalloc.start()
    try:
        async with Client("sk_big", base_url=big.url, max_response_bytes=limit) as client:
            with pytest.raises(errors.ResponseTooLargeError):
                await client.call("v1", path, idempotent=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    await asyncio.sleep(0.1)
    assert peak < 4 * limit, f"peak {peak} bytes while refusing the body"
    assert big.bytes_sent < 64 * 2**20  # the server was cut off long before 1 GiB
