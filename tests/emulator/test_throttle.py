"""The v2 throttle: on by default, the real rules and text, configurable."""

from __future__ import annotations

import re

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

TEXT = re.compile(
    r"^too many requests to messages/get; try again in \d+ seconds \(rule: at most 3 requests per second\)$"
)


async def test_default_three_per_second(raw: Raw) -> None:
    results = [await raw.v2("messages/get") for _ in range(4)]
    assert all(r["status"] == "success" for r in results[:3])
    assert TEXT.match(results[3]["error"])


async def test_messages_send_one_per_second(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account()
    body = {"to_ids": [other], "subject": "s", "body": "b"}
    assert (await raw.v2("messages/send", body))["status"] == "success"
    assert "at most 1 requests per second" in (await raw.v2("messages/send", body))["error"]


async def test_per_account_and_configurable(raw: Raw, emu: Emulator) -> None:
    _, other_key = emu.create_account()
    for _ in range(3):
        await raw.v2("messages/get")
    assert "error" in await raw.v2("messages/get")
    assert "error" not in await raw.v2("messages/get", key=other_key)
    emu.ctx.throttle.enabled = False
    assert "error" not in await raw.v2("messages/get")
    emu.ctx.throttle.enabled = True
    emu.ctx.throttle.endpoints.add("projects/get")
    emu.ctx.throttle.rules["projects/get"] = (1, 10, 10)
    await raw.v2("projects/get")
    assert "at most 1 requests per second" in (await raw.v2("projects/get"))["error"]
