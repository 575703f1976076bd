"""The HTTP method of a call is a spec fact (``spec.API_METHODS``), not a literal in the Core."""

from __future__ import annotations

from typing import Any

import pytest

from cocalc_async import Client, MockTransport, TransportRequest, TransportResponse, _sansio
from cocalc_async._generated import policy
from cocalc_async._types import API_NAMES
from cocalc_async.spec import API_METHODS, ENDPOINTS

BASE = "https://cocalc.example"
KEY = "sk_http_method_key_123456"


def test_every_api_has_one_method_in_the_spec_and_the_generated_table() -> None:
    assert set(API_METHODS) == set(API_NAMES) == {e.api for e in ENDPOINTS}
    assert policy.HTTP_METHODS == API_METHODS
    # getParams reads only a POST body (next/lib/api/get-params.ts:4 @5cb3315c30).
    assert set(API_METHODS.values()) == {"POST"}


@pytest.mark.parametrize(
    ("api", "path", "params"),
    [
        ("v1", "ping", None),
        ("v2", "projects/get", {"project_id": None}),
        ("conat/hub", "system.ping", {"args": []}),
        ("conat/project", "system.ping", {"args": [], "project_id": "x"}),
    ],
)
def test_build_request_takes_the_method_from_the_generated_table(
    monkeypatch: pytest.MonkeyPatch, api: str, path: str, params: dict[str, Any] | None
) -> None:
    assert _sansio.build_request(api, path, params, base_url=BASE).method == "POST"
    # A spec that said GET for this API (and a cache that has not seen the endpoint yet)
    # sends GET: nothing in build_request decides the method itself.
    monkeypatch.setattr(_sansio, "_endpoint_targets", {})
    monkeypatch.setitem(policy.HTTP_METHODS, api, "GET")
    request = _sansio.build_request(api, path, params, base_url=BASE)
    assert request.method == "GET"
    # The method is cached with the URL: the second call reads it from the cache alone.
    monkeypatch.setitem(policy.HTTP_METHODS, api, "POST")
    assert _sansio.build_request(api, path, params, base_url=BASE).method == "GET"


async def test_a_mock_transport_sees_the_spec_method_for_every_api() -> None:
    mock = MockTransport(lambda request: TransportResponse.json(200, {"now": 1796303942354}))
    async with Client(KEY, base_url=BASE, transport=mock) as client:
        await client.call("v1", "ping")
        await client.call("v2", "projects/get")
        await client.conat.hub.system.ping()
        await client.call("conat/project", "system.ping", {"args": [], "project_id": "x"})
    seen: list[TransportRequest] = mock.requests
    assert [(r.endpoint, r.method) for r in seen] == [
        ("v1/ping", policy.HTTP_METHODS["v1"]),
        ("v2/projects/get", policy.HTTP_METHODS["v2"]),
        ("conat/hub/system.ping", policy.HTTP_METHODS["conat/hub"]),
        ("conat/project/system.ping", policy.HTTP_METHODS["conat/project"]),
    ]
    assert {r.method for r in seen} == {"POST"}


async def test_a_method_other_than_post_travels_through_the_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_sansio, "_endpoint_targets", {})
    monkeypatch.setitem(policy.HTTP_METHODS, "v2", "GET")
    mock = MockTransport(lambda request: TransportResponse.json(200, {"ok": True}))
    async with Client(KEY, base_url=BASE, transport=mock) as client:
        await client.call("v2", "projects/get")
    assert [r.method for r in mock.requests] == ["GET"]
