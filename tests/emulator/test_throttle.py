"""The v2 throttle: on by default, the real rules and text, configurable."""

from __future__ import annotations

import re

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)

TEXT = re.compile(
    r"^too many requests to messages/get; try again in (1 second|\d+ seconds) \(rule: at most 3 requests per second\)$"
)


async def test_default_three_per_second(raw: Raw) -> None:
    results = [await raw.v2("messages/get") for _ in range(4)]
    assert all(r["status"] == "success" for r in results[:3])
    assert TEXT.match(results[3]["error"])


async def test_messages_send_one_per_second(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account()
    body = {"to_ids": [other], "subject": "s", "body": "b"}
    assert (await raw.v2("messages/send", body))["status"] == "success"
    # plural() of both counts (util/api/throttle.ts:158)
    assert "at most 1 request per second" in (await raw.v2("messages/send", body))["error"]


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
    assert (
        "try again in 1 second (rule: at most 1 request per second)"
        in (await raw.v2("projects/get"))["error"]
    )


async def test_a_wrong_user_auth_password_bans_that_pair_for_a_minute(
    raw: Raw, emu: Emulator
) -> None:
    good = {"account_id": emu.account_id, "password": "instructor-password"}
    _, body = await raw.v1("user_auth", {**good, "password": "wrong"})
    assert body["error"] == "incorrect password"
    _, body = await raw.v1("user_auth", good)  # even the right password, as in auth-token.coffee
    assert body == {
        "event": "error",
        "id": body["id"],
        "error": "banned -- please wait at least 60s before trying again",
    }
    # The ban is per (caller, user): another caller is not affected.
    other_id, other_key = emu.create_account(password="other-password-1")
    _, body = await raw.v1("user_auth", good, key=other_key)
    assert body["event"] == "user_auth_token"
    _, body = await raw.v1("user_auth", {"account_id": other_id, "password": "other-password-1"})
    assert body["event"] == "user_auth_token"


async def test_the_sdk_waits_out_a_short_user_auth_ban() -> None:
    from cocalc_async import Client
    from cocalc_async.errors import CoCalcAPIError, RateLimitError

    async with (
        Emulator(user_auth_ban_s=0.3, v1=True) as emu,
        Client(emu.api_key, base_url=emu.url) as client,
    ):
        aid = emu.account_id
        with pytest.raises(CoCalcAPIError, match=r"^incorrect password") as wrong:
            await client.v1.user_auth(account_id=aid, password="wrong")
        assert not isinstance(wrong.value, RateLimitError)  # a wrong password is not retried
        with pytest.raises(RateLimitError) as info:
            await client.v1.user_auth(account_id=aid, password="instructor-password", max_retries=0)
        assert info.value.retry_after == 0.3
        token = await client.v1.user_auth(account_id=aid, password="instructor-password")
        assert len(token.auth_token) == 24
        assert emu.requests.count("v1/user_auth") == 4  # the last call waited 0.3 s, then retried
