"""v2 ``accounts/*``, ``auth/*`` and ``api-keys`` through ``client.v2``."""

from __future__ import annotations

import pytest

from cocalc_async.errors import CoCalcAPIError
from cocalc_async.models.accounts import (
    AccountNames,
    AccountSearchHit,
    ApiKeysResponse,
    ProfileResponse,
)
from cocalc_async.models.auth import SignedIn
from cocalc_async.models.common import StatusResponse

from .harness import Env, Key, case, family, run


@case("v2", "accounts/get-names")
async def get_names(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v2.accounts.get_names(account_ids=[other])
    assert isinstance(out, AccountNames)
    assert out.names[other].first_name == "Grace"


@case("v2", "accounts/search")
async def search(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v2.accounts.search(query="grace.hopper@example.com")
    assert all(isinstance(h, AccountSearchHit) for h in out)
    assert [h.account_id for h in out] == [other]


@case("v2", "accounts/profile")
async def profile(env: Env) -> None:
    out = await env.client.v2.accounts.profile()
    assert isinstance(out, ProfileResponse)
    assert out.profile.account_id == env.emu.account_id
    assert out.profile.first_name == "Ada"


@case("v2", "accounts/set-name")
async def set_name(env: Env) -> None:
    out = await env.client.v2.accounts.set_name(first_name="Augusta", last_name="King")
    assert isinstance(out, StatusResponse)
    assert out.ok
    row = env.emu.store.account(env.emu.account_id)
    assert row is not None
    assert (row["first_name"], row["last_name"]) == ("Augusta", "King")


@case("v2", "accounts/set-email-address")
async def set_email_address(env: Env) -> None:
    _, key = env.other_account()
    client = env.client_for(key)
    out = await client.v2.accounts.set_email_address(
        email_address="grace@navy.example.com", password="a-long-password-1"
    )
    assert isinstance(out, StatusResponse)
    assert out.ok
    with pytest.raises(CoCalcAPIError, match="invalid password"):
        await client.v2.accounts.set_email_address(
            email_address="g2@navy.example.com", password="wrong-password"
        )


@case("v2", "accounts/set-password")
async def set_password(env: Env) -> None:
    other, key = env.other_account()
    out = await env.client_for(key).v2.accounts.set_password(
        currentPassword="a-long-password-1", newPassword="a-newer-password-1"
    )
    assert isinstance(out, StatusResponse)
    assert env.emu.store.check_password(other, "a-newer-password-1")


@case("v2", "api-keys")
async def api_keys(env: Env) -> None:
    keys = env.client.v2.api_keys
    created = await keys(action="create", name="ci")
    assert isinstance(created, ApiKeysResponse)
    assert created.response is not None
    (new,) = created.response
    assert new.secret is not None
    assert new.secret.startswith("sk-")
    listed = await keys(action="get")
    assert listed.response is not None
    assert "ci" in [k.name for k in listed.response]
    assert all(k.secret is None for k in listed.response)  # the secret only on create
    await keys(action="delete", id=new.id)
    after = await keys(action="get")
    assert after.response is not None
    assert new.id not in [k.id for k in after.response]


@case("v2", "auth/sign-up")
async def sign_up(env: Env) -> None:
    anonymous = env.client_for("")
    out = await anonymous.v2.auth.sign_up(
        terms=True,
        email="new@example.com",
        password="a-long-password-3",
        firstName="New",
        lastName="Comer",  # the schema requires both names for a non-anonymous sign-up
    )
    assert isinstance(out, SignedIn)
    assert env.emu.store.account(out.account_id) is not None


@case("v2", "auth/sign-in")
async def sign_in(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v2.auth.sign_in(
        email="grace.hopper@example.com", password="a-long-password-1"
    )
    assert isinstance(out, SignedIn)
    assert out.account_id == other
    with pytest.raises(CoCalcAPIError, match="Incorrect password"):
        await env.client.v2.auth.sign_in(email="grace.hopper@example.com", password="nope-nope")


@pytest.mark.parametrize(
    "key", family("v2", ("accounts/", "auth/", "api-keys")), ids=lambda k: k[1]
)
async def test_v2_accounts(key: Key) -> None:
    await run(key)
