"""MockTransport: a Client answered by a function, as a user's unit test would use it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cocalc_async import Client, MockTransport, TransportRequest, TransportResponse, errors
from cocalc_async.transport import Transport

PID = "b08f73f5-f616-4ba3-b143-3a40214dd8c0"
KEY = "sk_mock_transport_key_123456"


def cocalc(request: TransportRequest) -> TransportResponse:
    """A tiny CoCalc: v2 exec echoes, conat system.ping answers the time, the rest is 404."""
    body: Any = request.json
    if request.url.endswith("/api/v2/exec"):
        return TransportResponse.json(
            200, {"stdout": "hello\n", "stderr": "", "exit_code": 0, "type": "blocking"}
        )
    if request.url.endswith("/api/conat/hub") and body["name"] == "system.ping":
        return TransportResponse.json(200, {"now": 1796303942354})
    return TransportResponse.text(404, "<html>not here</html>", content_type="text/html")


async def test_a_user_unit_test_with_a_v2_call_and_a_conat_call() -> None:
    mock = MockTransport(cocalc)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        out = await client.v2.exec(project_id=PID, command="echo hello")
        pong = await client.conat.hub.system.ping()
    assert out.stdout == "hello\n"
    assert out.exit_code == 0
    assert pong.now.year == 2026
    assert [r.url for r in mock.requests] == [
        "https://cocalc.example/api/v2/exec",
        "https://cocalc.example/api/conat/hub",
    ]
    first = mock.requests[0]
    assert first.method == "POST"
    assert first.json == {"project_id": PID, "command": "echo hello"}  # only what was given
    assert first.endpoint == "v2/exec"
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.headers["X-Request-Id"] == first.request_id
    assert mock.requests[1].json == {"name": "system.ping", "args": []}


async def test_the_request_repr_never_shows_the_key() -> None:
    mock = MockTransport(cocalc)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        await client.conat.hub.system.ping()
    text = repr(mock.requests[0])
    assert "Basic ***" in text
    assert KEY not in text
    assert mock.requests[0].headers["Authorization"][6:] not in text


async def test_an_http_200_error_body_raises_the_typed_error() -> None:
    def handler(request: TransportRequest) -> TransportResponse:
        return TransportResponse.json(200, {"error": "user must be a collaborator on the project"})

    mock = MockTransport(handler)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        with pytest.raises(errors.PermissionDeniedError) as info:
            await client.v2.exec(project_id=PID, command="echo x")
    assert info.value.status_code == 200
    assert not isinstance(info.value, errors.APIStatusError)  # a 2xx answer: not a status error
    assert len(mock.requests) == 1  # an answer, not a failure: never repeated


async def test_a_failure_before_sending_is_retried_even_for_exec() -> None:
    calls: list[int] = []

    def handler(request: TransportRequest) -> TransportResponse:
        calls.append(request.attempt)
        if len(calls) == 1:
            raise errors.APIConnectionError("refused", may_have_reached_server=False)
        return TransportResponse.json(
            200, {"stdout": "", "stderr": "", "exit_code": 0, "type": "blocking"}
        )

    mock = MockTransport(handler)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        out = await client.v2.exec(project_id=PID, command="true")
    assert out.exit_code == 0
    assert calls == [1, 2]
    assert mock.requests[0].request_id == mock.requests[1].request_id  # one logical call


async def test_a_failure_after_sending_is_not_repeated_for_a_non_idempotent_call() -> None:
    def handler(request: TransportRequest) -> TransportResponse:
        raise errors.APIConnectionError("reset after the body", may_have_reached_server=True)

    mock = MockTransport(handler)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.v2.exec(project_id=PID, command="make")
        assert len(mock.requests) == 1  # exec may have run: never sent twice
        # ... while an idempotent read is repeated after the same failure (max_retries=2)
        with pytest.raises(errors.APIConnectionError):
            await client.conat.hub.system.ping()
    assert len(mock.requests) == 1 + 3
    assert info.value.endpoint == "v2/exec"
    assert info.value.attempts == 1
    assert info.value.request_id == mock.requests[0].request_id


async def test_an_async_handler_and_plain_dict_headers() -> None:
    async def handler(request: TransportRequest) -> TransportResponse:
        await asyncio.sleep(0)
        return TransportResponse(200, {"content-type": "application/json"}, b'{"now": 1}')

    mock = MockTransport(handler)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        pong = await client.conat.hub.system.ping()
    assert pong.now.year == 1970


async def test_a_handler_bug_is_not_mistaken_for_a_network_error() -> None:
    def handler(request: TransportRequest) -> TransportResponse:
        raise KeyError("oops")

    mock = MockTransport(handler)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        with pytest.raises(KeyError):
            await client.conat.hub.system.ping()
    assert len(mock.requests) == 1


async def test_a_handler_returning_the_wrong_type_is_a_type_error() -> None:
    mock = MockTransport(lambda request: {"now": 1})  # type: ignore[arg-type,return-value]
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        with pytest.raises(TypeError, match="TransportResponse"):
            await client.conat.hub.system.ping()


async def test_a_transport_passed_in_is_the_callers_to_close() -> None:
    mock = MockTransport(cocalc)
    assert isinstance(mock, Transport)
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as client:
        assert client.session.transport is mock
        assert not client.session.owns_transport
    assert client.closed
    assert not mock.closed
    # one transport serves a second client, then its owner closes it
    async with Client(KEY, base_url="https://cocalc.example", transport=mock) as second:
        await second.conat.hub.system.ping()
    await mock.aclose()
    assert mock.closed


async def test_the_default_transport_is_closed_with_the_client() -> None:
    client = Client(KEY, base_url="https://cocalc.example")
    transport = client.session.transport
    assert client.session.owns_transport
    await client.close()
    assert transport.closed  # type: ignore[attr-defined]


def test_response_constructors_check_their_input() -> None:
    response = TransportResponse.json(201, {"a": 1}, headers={"Retry-After": "3"})
    assert response.status == 201
    assert response.body in (b'{"a":1}', b'{"a": 1}')  # orjson or the standard library
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["retry-after"] == "3"  # case-insensitive
    with pytest.raises(ValueError, match="status"):
        TransportResponse.json(42, {})
    with pytest.raises(TypeError):
        MockTransport("not a function")  # type: ignore[arg-type]


async def test_close_ends_a_call_hanging_in_a_user_transport() -> None:
    started = asyncio.Event()

    async def hang(request: TransportRequest) -> TransportResponse:
        started.set()
        await asyncio.Event().wait()  # a server that never answers
        raise AssertionError("unreachable")

    mock = MockTransport(hang)
    client = Client(KEY, base_url="https://cocalc.example", transport=mock)
    call = asyncio.ensure_future(client.conat.hub.system.ping())
    await started.wait()
    assert client.session.in_flight == 1
    await client.close()
    with pytest.raises(errors.ClientClosedError):
        await call
    assert client.session.in_flight == 0
    assert not mock.closed  # the caller's transport stays open
    with pytest.raises(errors.ClientClosedError):
        await client.conat.hub.system.ping()  # and the client refuses new calls


async def test_a_bearer_key_is_sent_in_the_header_only() -> None:
    mock = MockTransport(lambda request: TransportResponse.json(200, {"now": 1}))
    async with Client(KEY, base_url="https://cocalc.example", auth="bearer", transport=mock) as c:
        await c.conat.hub.system.ping()
    (request,) = mock.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(request)
    assert KEY.encode() not in request.body
