"""Header parsing and key resolution, over v1 where errors are explicit."""

from __future__ import annotations

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


async def test_missing_header_is_400_with_exact_text(raw: Raw) -> None:
    assert await raw.v1("ping", key=None) == (
        400,
        {"error": "You must provide authentication via an API key."},
    )


async def test_bearer_and_basic_both_work(raw: Raw, emu: Emulator) -> None:
    status, body = await raw.post(
        "/api/v1/ping", {}, key=None, headers={"Authorization": f"Bearer {emu.api_key}"}
    )
    assert status == 200
    assert body["event"] == "pong"
    status, body = await raw.v1("ping")
    assert status == 200
    assert body["event"] == "pong"


async def test_unknown_auth_type(raw: Raw) -> None:
    status, body = await raw.post(
        "/api/v1/ping", {}, key=None, headers={"Authorization": "Token x"}
    )
    assert (status, body) == (400, {"error": "Unknown authorization type 'Token'"})


async def test_bad_key(raw: Raw) -> None:
    for key in ("sk_nothing", "sk-aaaaaaaaaaaaaaaa000001", "not-a-key"):
        assert await raw.v1("ping", key=key) == (
            400,
            {"error": "No account found. Is your API key wrong?"},
        )


async def test_legacy_and_new_keys(raw: Raw, emu: Emulator) -> None:
    _, legacy = emu.create_account(legacy_key=True)
    _, new = emu.create_account()
    assert legacy.startswith("sk_")
    assert new.startswith("sk-")
    assert len(new) == 25
    for key in (legacy, new):
        status, body = await raw.v1("ping", key=key)
        assert status == 200
        assert body["event"] == "pong"


async def test_keys_are_stored_hashed(emu: Emulator) -> None:
    _, key = emu.create_account()
    dump = "\n".join(emu.store.db.iterdump())
    assert key not in dump
    assert key[3:] not in dump


async def test_banned_account(raw: Raw, emu: Emulator) -> None:
    account_id, key = emu.create_account()
    emu.ban(account_id)
    status, body = await raw.v1("ping", key=key)
    assert status == 400
    assert body["error"].startswith("User is BANNED.")


async def test_request_log_has_fingerprint_never_key(raw: Raw, emu: Emulator) -> None:
    await raw.v1("user_auth", {"account_id": emu.account_id, "password": "secret-pw"})
    entry = emu.requests.last()
    assert entry.endpoint == "v1/user_auth"
    assert entry.key_fingerprint
    assert emu.api_key not in repr(entry)
    assert entry.body["password"] == "***"
    assert emu.api_key not in repr(list(emu.requests))
