"""EmbedSession and embed_session / Client.embed_session against the emulator."""

from __future__ import annotations

import datetime as dt

import aiohttp
import pytest
from yarl import URL

from cocalc_async import Client
from cocalc_async.embed import (
    AUTH_TOKEN_LIFETIME,
    SIGN_IN_LIFETIME,
    EmbedSession,
    embed_session,
    sign_in_url,
)
from cocalc_async.errors import CoCalcAPIError

from .conftest import FILES, STUDENT_PASSWORD, World

UTC = dt.timezone.utc
PID = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


def test_repr_masks_the_token_and_the_model_is_frozen() -> None:
    session = EmbedSession(
        url="https://x.org/auth/impersonate?auth_token=SECRET",
        expires_at=dt.datetime(2030, 1, 1, tzinfo=UTC),
        target_url=f"https://x.org/projects/{PID}/files/a?fullscreen=kiosk&session=",
    )
    assert "SECRET" not in repr(session)
    assert "auth_token=***" in repr(session)
    assert "fullscreen=kiosk" in repr(session)
    with pytest.raises(AttributeError):
        session.url = "other"  # type: ignore[misc]


def test_lifetimes_are_the_cookie_and_the_token() -> None:
    # impersonate.ts sets a 12 h cookie; auth-token.ts makes the token last 24 h.
    assert SIGN_IN_LIFETIME.total_seconds() == 12 * 3600
    assert AUTH_TOKEN_LIFETIME.total_seconds() == 24 * 3600


def test_expired_compares_with_expires_at() -> None:
    at = dt.datetime(2030, 1, 1, tzinfo=UTC)
    session = EmbedSession(url="https://x.org/auth/impersonate?auth_token=t", expires_at=at)
    assert not session.expired(at - dt.timedelta(seconds=1))
    assert session.expired(at)


async def test_client_embed_session_signs_in_then_shows_the_file(
    world: World, http: aiohttp.ClientSession
) -> None:
    emu = world.emu
    before = dt.datetime.now(UTC)
    async with Client(emu.api_key, base_url=emu.url) as client:
        session = await client.embed_session(
            world.student_id, STUDENT_PASSWORD, world.project_id, "sub dir/α #1.txt"
        )
    after = dt.datetime.now(UTC)
    assert before + SIGN_IN_LIFETIME <= session.expires_at <= after + SIGN_IN_LIFETIME
    assert session.token_expires_at is not None
    assert before + AUTH_TOKEN_LIFETIME <= session.token_expires_at <= after + AUTH_TOKEN_LIFETIME
    assert session.sign_in_url == session.url
    url = URL(session.url, encoded=True)
    assert url.path == "/auth/impersonate"
    token = url.query["auth_token"]
    assert len(token) == 24
    assert emu.store.resolve_auth_token(token) == world.student_id
    row = emu.store.db.execute("SELECT expire FROM auth_tokens WHERE token=?", (token,)).fetchone()
    # The emulator's token lasts 24 h, as createAuthTokenNoCheck's does.
    assert before.timestamp() + 24 * 3600 <= row["expire"] <= after.timestamp() + 24 * 3600
    assert emu.requests.count("conat/hub") == 1
    assert emu.requests.count("v1/user_auth") == 0
    target = URL(session.target_url, encoded=True)
    assert "auth_token" not in target.query
    assert target.query["fullscreen"] == "kiosk"
    assert session.app_url() == f"{emu.url}/app"
    # Before signing in, the kiosk page refuses; the sign-in URL sets the cookie.
    async with http.get(session.target_url) as resp:
        assert resp.status == 401
    async with http.get(session.sign_in_url) as resp:
        assert resp.status == 200
        page = await resp.text()
        assert f'window.location.href = "{emu.url}/app"' in page
        cookie = resp.cookies["remember_me"]
        assert cookie["max-age"] == str(12 * 3600)
        assert cookie["httponly"]
        readable = resp.cookies["account_id"]
        assert (readable.value, readable["httponly"]) == (world.student_id, "")
    async with http.get(session.target_url) as resp:
        assert resp.status == 200
        assert FILES["sub dir/α #1.txt"] in await resp.text()


async def test_impersonate_errors_use_the_hub_texts(
    world: World, http: aiohttp.ClientSession
) -> None:
    emu = world.emu
    async with http.get(f"{emu.url}/auth/impersonate") as resp:
        assert resp.status == 200
        assert await resp.text() == "ERROR: impersonate error -- Error: invalid empty token"
        assert "remember_me" not in resp.cookies
    token = emu.store.create_auth_token(world.student_id)
    emu.store.expire_auth_token(token)
    async with http.get(sign_in_url(emu.url, token)) as resp:
        assert resp.status == 200
        assert await resp.text() == (
            f"ERROR: impersonate error -- Error: unknown or expired token: '{token}'"
        )
        assert "remember_me" not in resp.cookies


async def test_impersonate_keeps_a_known_lang_temp_only(
    world: World, http: aiohttp.ClientSession
) -> None:
    emu = world.emu
    token = emu.store.create_auth_token(world.student_id)
    async with http.get(f"{sign_in_url(emu.url, token)}&lang_temp=de") as resp:
        assert f'"{emu.url}/app?lang_temp=de"' in await resp.text()
    async with http.get(f"{sign_in_url(emu.url, token)}&lang_temp=xx") as resp:
        assert f'"{emu.url}/app"' in await resp.text()


async def test_wrong_password_raises_then_the_caller_is_banned(world: World) -> None:
    async with Client(world.emu.api_key, base_url=world.emu.url) as client:
        with pytest.raises(CoCalcAPIError, match="incorrect password"):
            await embed_session(client, world.student_id, "wrong", world.project_id, "notes.md")
        # auth-token.ts: 30 s during which even the right password is refused.
        with pytest.raises(
            CoCalcAPIError, match=r"banned -- please wait at least #\{BAN_TIME_MS/1000\}s"
        ):
            await embed_session(
                client, world.student_id, STUDENT_PASSWORD, world.project_id, "notes.md"
            )


async def test_an_admin_needs_no_password(world: World) -> None:
    emu = world.emu
    _, admin_key = emu.create_account("Root", "Admin", admin=True)
    async with Client(admin_key, base_url=emu.url) as client:
        session = await client.embed_session(world.student_id, None, world.project_id, "notes.md")
    token = URL(session.url, encoded=True).query["auth_token"]
    assert emu.store.resolve_auth_token(token) == world.student_id


async def test_bad_input_is_refused_before_any_request(world: World) -> None:
    emu = world.emu
    async with Client(emu.api_key, base_url=emu.url) as client:
        with pytest.raises(ValueError, match="UUID"):
            await client.embed_session(world.student_id, STUDENT_PASSWORD, "nope", "notes.md")
        with pytest.raises(ValueError, match="path"):
            await client.embed_session(world.student_id, STUDENT_PASSWORD, world.project_id, "../x")
        with pytest.raises(ValueError, match="account_id"):
            await client.embed_session("not-a-uuid", STUDENT_PASSWORD, world.project_id, "x.md")
    assert emu.requests.count("conat/hub") == 0


def test_app_url_drops_the_token_and_keeps_the_base_prefix() -> None:
    at = dt.datetime(2030, 1, 1, tzinfo=UTC)
    session = EmbedSession(
        url="http://127.0.0.1:9/base/auth/impersonate?auth_token=T0k", expires_at=at
    )
    assert session.app_url() == "http://127.0.0.1:9/base/app"
    legacy = EmbedSession(
        url=f"http://127.0.0.1:9/base/projects/{PID}/files/a%20b?auth_token=T0k&fullscreen=kiosk&session=",
        expires_at=at,
    )
    assert legacy.app_url() == "http://127.0.0.1:9/base/app"
    with pytest.raises(ValueError, match="sign-in URL"):
        EmbedSession(url="http://127.0.0.1:9/app", expires_at=at).app_url()


def test_sign_in_url_keeps_the_prefix_and_validates() -> None:
    url = URL(sign_in_url("http://127.0.0.1:8000/cocalc/", "a+b/c"), encoded=True)
    assert url.raw_path == "/cocalc/auth/impersonate"
    assert url.query["auth_token"] == "a+b/c"
    with pytest.raises(ValueError, match="auth_token"):
        sign_in_url("http://127.0.0.1:8000", "")
