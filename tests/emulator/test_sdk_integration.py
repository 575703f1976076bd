"""The SDK's Client against the emulator: every API surface, errors mapped to the hierarchy."""

from __future__ import annotations

import pytest

from cocalc_async.client import Client
from cocalc_async.errors import (
    APIStatusError,
    AuthenticationError,
    CoCalcAPIError,
    InvalidParametersError,
    UnknownEndpointError,
)
from cocalc_async.testing import Emulator

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


async def test_client_call_all_surfaces(emu: Emulator) -> None:
    async with Client(emu.api_key, base_url=emu.url, request_timeout=10) as client:
        pong = await client.call("v1", "ping")
        assert isinstance(pong, dict)
        assert pong["event"] == "pong"
        created = await client.call("v2", "projects/create", {"title": "sdk"})
        assert isinstance(created, dict)
        pid = created["project_id"]
        out = await client.call(
            "conat/project",
            "system.exec",
            {"project_id": pid, "args": [{"command": "echo", "args": ["x"]}]},
        )
        assert out == {"type": "blocking", "stdout": "x\n", "stderr": "", "exit_code": 0}
        state = await client.call("conat/hub", "projects.state", {"args": [{"project_id": pid}]})
        assert isinstance(state, dict)
        assert state["state"] == "running"


async def test_client_errors(emu: Emulator) -> None:
    async with Client(emu.api_key, base_url=emu.url, request_timeout=10, max_retries=0) as client:
        with pytest.raises(UnknownEndpointError):
            await client.call("v1", "frobnicate")
        with pytest.raises(InvalidParametersError):
            await client.call("v1", "ping", {"bogus": 1})
        # The route's validator answers 400: a status error, not an error in a 2xx body.
        with pytest.raises(InvalidParametersError) as info:
            await client.call("v2", "projects/start", {"project_id": "not-a-uuid"})
        assert isinstance(info.value, APIStatusError)
        assert not isinstance(info.value, CoCalcAPIError)
    async with Client("sk_wrong_key_000000000000", base_url=emu.url, request_timeout=10) as client:
        with pytest.raises(AuthenticationError):
            await client.call("v1", "ping")
