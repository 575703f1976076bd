"""``client.doctor()``: against a scripted hub (v1 gone, a bad key, a skewed clock, no v2, a
project key) and against the emulator."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from cocalc_async import Client
from cocalc_async.doctor import MAX_CLOCK_OFFSET_S, identify
from cocalc_async.testing import Emulator

ACCOUNT_KEY = "sk_doctor_account_key_0123456789"
PROJECT_KEY = "sk_doctor_project_key_0123456789"
ACCOUNT = "7758061c-3f97-4975-81c9-747654206aad"
PROJECT = "b08f73f5-f616-4ba3-b143-3a40214dd8c0"
NOT_FOUND = '<!DOCTYPE html><html lang="en"><head><title>404 Page Not Found</title></head></html>'
HUB_REFUSAL = "must be signed in and MUST provide an api key (cookies are not allowed)"


@dataclass
class Hub:
    """Answers as a current hub does (texts from CoCalc's next/pages/api/conat/*.ts)."""

    skew_s: float = 0.0
    v2: bool = True
    conat: bool = True
    v1: bool = False
    paths: list[str] = field(default_factory=list)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> Hub:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def _key(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        return base64.b64decode(auth[6:]).decode().rstrip(":")

    def _now(self) -> int:
        return int((time.time() + self.skew_s) * 1000)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path)
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        key = self._key(request)
        path = request.path
        if path.startswith("/api/v1/") and self.v1:
            return web.json_response({"event": "pong", "now": "2026-12-03T10:00:00.000Z"})
        if path == "/api/v2/accounts/profile" and self.v2:
            if key != ACCOUNT_KEY:
                return web.json_response({"error": "must be signed in"})
            return web.json_response({"profile": {"account_id": ACCOUNT}})
        if path == "/api/conat/hub" and self.conat:
            if key != ACCOUNT_KEY:
                return web.json_response({"error": HUB_REFUSAL})
            name = body.get("name")
            if name == "system.ping":
                return web.json_response({"now": self._now()})
            if name == "system.test":
                return web.json_response({"account_id": ACCOUNT, "server_time": self._now()})
            if name == "system.getNames":
                return web.json_response({ACCOUNT: {"first_name": "Ina", "last_name": "I"}})
        if path == "/api/conat/project" and self.conat:
            if key not in (ACCOUNT_KEY, PROJECT_KEY):
                return web.json_response({"error": "must sign in as project or account"})
            if key == ACCOUNT_KEY and "project_id" not in body:
                return web.json_response(
                    {"error": "must specify project_id or use project-specific api key"}
                )
            if body.get("name") == "system.ping":
                return web.json_response({"now": self._now()})
            if body.get("name") == "system.test":
                return web.json_response({"project_id": PROJECT, "server_time": self._now()})
        return web.Response(status=404, text=NOT_FOUND, content_type="text/html")


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    h = await Hub().start()
    try:
        yield h
    finally:
        await h.stop()


def _check(report: Any, name: str) -> Any:
    return next(c for c in report.checks if c.name == name)


async def test_a_current_hub_with_an_account_key_is_all_ok(hub: Hub) -> None:
    async with Client(ACCOUNT_KEY, base_url=hub.url) as c:
        report = await c.doctor()
    assert report.ok, report.render()
    assert report.served == {"v1": False, "v2": True, "conat": True}  # v1 404 is no problem
    assert report.identity is not None
    assert (report.identity.kind, report.identity.account_id) == ("account", ACCOUNT)
    assert report.identity.name == "Ina I"
    assert report.key_valid is True
    assert report.clock_offset_s is not None
    assert abs(report.clock_offset_s) < 1
    assert report.latency_ms is not None
    assert report.latency_ms > 0
    assert "expected: CoCalc removed API v1" in _check(report, "v1").detail
    assert "everything works" in report.render()


async def test_a_bad_key_fails_and_says_what_to_do(hub: Hub) -> None:
    async with Client("sk_not_a_key_of_this_hub_000", base_url=hub.url) as c:
        report = await c.doctor()
    assert not report.ok
    assert report.key_valid is False
    key = _check(report, "key")
    assert not key.ok
    assert HUB_REFUSAL in key.detail
    assert "API keys" in key.advice
    assert report.served["v2"] is True
    assert report.served["conat"] is True
    assert "sk_not_a_key" not in report.render()


async def test_no_key_is_reported_not_raised(hub: Hub) -> None:
    async with Client(None, base_url=hub.url) as c:
        report = await c.doctor()
    assert report.key_valid is None
    assert "COCALC_API_KEY" in _check(report, "key").advice
    assert not report.ok


async def test_a_skewed_clock_is_a_problem_with_advice(hub: Hub) -> None:
    hub.skew_s = 3600.0
    async with Client(ACCOUNT_KEY, base_url=hub.url) as c:
        report = await c.doctor()
    assert report.clock_offset_s is not None
    assert abs(report.clock_offset_s - 3600) < 2
    clock = _check(report, "clock")
    assert not clock.ok
    assert "ahead of yours" in clock.detail
    assert "ntp" in clock.advice.lower()
    assert not report.ok
    hub.skew_s = -(MAX_CLOCK_OFFSET_S / 2)
    async with Client(ACCOUNT_KEY, base_url=hub.url) as c:
        assert (await c.doctor()).ok  # within the tolerance


async def test_an_old_v1_only_hub_points_at_client_v1(hub: Hub) -> None:
    hub.v2, hub.conat, hub.v1 = False, False, True
    async with Client(ACCOUNT_KEY, base_url=hub.url) as c:
        report = await c.doctor()
    assert report.served == {"v1": True, "v2": False, "conat": False}
    assert not report.ok
    assert "client.v1" in _check(report, "v2").advice


async def test_a_wrong_url_says_check_the_url(hub: Hub) -> None:
    hub.v2, hub.conat = False, False
    async with Client(ACCOUNT_KEY, base_url=hub.url) as c:
        report = await c.doctor()
    assert "URL" in _check(report, "v2").advice
    assert not report.ok


async def test_a_project_key_is_named_as_such(hub: Hub) -> None:
    async with Client(PROJECT_KEY, base_url=hub.url) as c:
        report = await c.doctor()
    assert report.identity is not None
    assert (report.identity.kind, report.identity.project_id) == ("project", PROJECT)
    assert _check(report, "key").ok
    assert report.ok, report.render()


async def test_an_unreachable_server_is_reported() -> None:
    async with Client(ACCOUNT_KEY, base_url="http://127.0.0.1:9", request_timeout=2) as c:
        report = await c.doctor()
    assert not report.ok
    assert "URL" in _check(report, "server").advice
    assert _check(report, "key").detail == "not checked: the server did not answer"
    assert report.served == {"v1": None, "v2": None, "conat": None}


async def test_the_emulator_passes() -> None:
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url) as c:
        report = await c.doctor()
    assert report.ok, report.render()
    assert report.identity is not None
    assert report.identity.account_id == emu.account_id


async def test_a_project_key_on_the_emulator() -> None:
    async with Emulator() as emu:
        pid = emu.create_project()
        key = emu.create_project_key(pid)
        async with Client(key, base_url=emu.url) as c:
            report = await c.doctor()
            me = await identify(c)
    assert (me.kind, me.project_id) == ("project", pid)
    assert report.ok, report.render()
    assert report.identity == me
