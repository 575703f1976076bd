"""Every fault kind, seen from a raw client; plus latency, random faults and counters."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from cocalc_async.testing import Emulator, FaultKind

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


async def _count_projects(emu: Emulator) -> int:
    return len(emu.store.projects_of(emu.account_id))


@pytest.mark.parametrize(
    ("kind", "status"), [("http_502", 502), ("http_503", 503), ("http_504", 504)]
)
async def test_gateway_pages(raw: Raw, kind: str, status: int) -> None:
    raw.emu.faults.add("v1/ping", kind)
    got, body = await raw.v1("ping")
    assert got == status
    assert "<html>" in body
    got, body = await raw.v1("ping")
    assert got == 200, "the fault applies to the next call only"


async def test_429_and_503_retry_after(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("v1/ping", "http_429", retry_after=150)
    async with raw.session.post(emu.url + "/api/v1/ping", json={}) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "150"
    emu.faults.add("v1/ping", FaultKind.HTTP_503, retry_after=2)
    async with raw.session.post(emu.url + "/api/v1/ping", json={}) as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "2"


async def test_500_json_and_413(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("v2/projects/get", "http_500", message="db down")
    assert await raw.post("/api/v2/projects/get") == (500, {"error": "db down"})
    emu.faults.add("v1/ping", "http_413")
    status, _ = await raw.v1("ping")
    assert status == 413


@pytest.mark.parametrize("kind", ["reset_before_body", "reset_after_body"])
async def test_resets_without_executing(raw: Raw, emu: Emulator, kind: str) -> None:
    before = await _count_projects(emu)
    emu.faults.add("v1/create_project", kind)
    with pytest.raises(aiohttp.ClientError):
        await raw.v1("create_project", {"title": "x"})
    assert await _count_projects(emu) == before
    assert emu.requests.count("v1/create_project") == 1


@pytest.mark.parametrize("kind", ["reset_after_handler", "reset_mid_response"])
async def test_resets_after_executing(raw: Raw, emu: Emulator, kind: str) -> None:
    before = await _count_projects(emu)
    emu.faults.add("v1/create_project", kind)
    with pytest.raises(aiohttp.ClientError):
        await raw.v1("create_project", {"title": "x"})
    assert await _count_projects(emu) == before + 1, "the side effect happened, the answer was lost"


async def test_truncated_and_non_json(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("v1/ping", "truncated_json")
    async with raw.session.post(
        emu.url + "/api/v1/ping", json={}, headers={"Authorization": f"Bearer {emu.api_key}"}
    ) as resp:
        text = await resp.text()
    assert resp.status == 200
    assert text.startswith('{\n  "event": "pong"')
    assert not text.rstrip().endswith("}")
    emu.faults.add("v1/ping", "non_json")
    status, body = await raw.v1("ping")
    assert status == 200
    assert isinstance(body, str)
    assert "<html>" in body


async def test_error_200_per_api(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("v1/ping", "error_200", message="nope")
    status, body = await raw.v1("ping", {"id": "abc"})
    assert (status, body) == (200, {"event": "error", "id": "abc", "error": "nope"})
    emu.faults.add("v2/*", "throttle")
    body = await raw.v2("projects/get")
    assert body["error"].startswith("too many requests to projects/get; try again in")


async def test_slow_response(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("v1/ping", "slow", delay=0.3)
    t0 = time.monotonic()
    status, _ = await raw.v1("ping")
    assert status == 200
    assert time.monotonic() - t0 >= 0.3
    emu.faults.add("v1/ping", "slow", delay=5)
    with pytest.raises(asyncio.TimeoutError):
        async with raw.session.post(
            emu.url + "/api/v1/ping", json={}, timeout=aiohttp.ClientTimeout(total=0.2)
        ):
            pass


async def test_custom_and_times(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("*", "custom", times=2, status=418, body="teapot")
    assert (await raw.v1("ping"))[0] == 418
    assert (await raw.v1("ping"))[0] == 418
    assert (await raw.v1("ping"))[0] == 200
    assert emu.faults.injected["custom"] == 2
    assert emu.faults.pending() == 0


async def test_latency_injection(raw: Raw, emu: Emulator) -> None:
    emu.faults.latency_ms = 100
    t0 = time.monotonic()
    await raw.v1("ping")
    assert time.monotonic() - t0 >= 0.1


async def test_seeded_random_faults_are_reproducible(raw: Raw, emu: Emulator) -> None:
    async def run() -> list[int]:
        emu.faults.random(0.3, seed=7, kinds=["http_502", "http_503"])
        return [(await raw.v1("ping"))[0] for _ in range(30)]

    first, second = await run(), await run()
    assert first == second
    assert 502 in first + second
    assert 200 in first


async def test_conat_method_level_fault(raw: Raw, emu: Emulator) -> None:
    emu.faults.add("conat/hub/system.ping", "http_502")
    status, _ = await raw.post("/api/conat/hub", {"name": "system.ping", "args": []})
    assert status == 502


async def test_request_log_is_bounded(emu: Emulator, raw: Raw) -> None:
    log = emu.requests
    log._recent = type(log._recent)(maxlen=5)
    for _ in range(12):
        await raw.v1("ping")
    assert len(log) == 5
    assert log.count("v1/ping") == 12
