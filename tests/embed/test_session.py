"""EmbedSession and embed_session / Client.embed_session against the emulator."""

from __future__ import annotations

import datetime as dt

import aiohttp
import pytest
from yarl import URL

from cocalc_async import Client
from cocalc_async.embed import AUTH_TOKEN_LIFETIME, EmbedSession, embed_session
from cocalc_async.errors import CoCalcAPIError

from .conftest import FILES, STUDENT_PASSWORD, World

UTC = dt.timezone.utc


def test_repr_masks_the_token_and_the_model_is_frozen() -> None:
    session = EmbedSession(
        url="https://x.org/projects/p/files/a?auth_token=SECRET&fullscreen=kiosk&session=",
        expires_at=dt.datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert "SECRET" not in repr(session)
    assert "auth_token=***" in repr(session)
    with pytest.raises(AttributeError):
        session.url = "other"  # type: ignore[misc]


def test_expired_compares_with_expires_at() -> None:
    at = dt.datetime(2030, 1, 1, tzinfo=UTC)
    session = EmbedSession(url="https://x.org/app?auth_token=t", expires_at=at)
    assert not session.expired(at - dt.timedelta(seconds=1))
    assert session.expired(at)


async def test_client_embed_session_gives_a_working_kiosk_url(
    world: World, http: aiohttp.ClientSession
) -> None:
    emu = world.emu
    before = dt.datetime.now(UTC)
    async with Client(emu.api_key, base_url=emu.url) as client:
        session = await client.embed_session(
            world.student_id, STUDENT_PASSWORD, world.project_id, "sub dir/α #1.txt"
        )
    after = dt.datetime.now(UTC)
    assert before + AUTH_TOKEN_LIFETIME <= session.expires_at <= after + AUTH_TOKEN_LIFETIME
    url = URL(session.url, encoded=True)
    token = url.query["auth_token"]
    assert len(token) == 24
    assert emu.store.resolve_auth_token(token) == world.student_id
    assert emu.requests.count("v1/user_auth") == 1
    async with http.get(session.url) as resp:
        assert resp.status == 200
        assert FILES["sub dir/α #1.txt"] in await resp.text()


async def test_wrong_password_raises_and_issues_no_url(world: World) -> None:
    async with Client(world.emu.api_key, base_url=world.emu.url) as client:
        with pytest.raises(CoCalcAPIError, match="incorrect password"):
            await embed_session(client, world.student_id, "wrong", world.project_id, "notes.md")


async def test_bad_project_id_is_refused_before_any_request(world: World) -> None:
    emu = world.emu
    async with Client(emu.api_key, base_url=emu.url) as client:
        with pytest.raises(ValueError, match="UUID"):
            await client.embed_session(world.student_id, STUDENT_PASSWORD, "nope", "notes.md")
        with pytest.raises(ValueError, match="path"):
            await client.embed_session(world.student_id, STUDENT_PASSWORD, world.project_id, "../x")
        with pytest.raises(ValueError, match="account_id"):
            await client.embed_session("not-a-uuid", STUDENT_PASSWORD, world.project_id, "x.md")
    assert emu.requests.count("v1/user_auth") == 0


def test_app_url_reuses_the_token_and_the_base_prefix() -> None:
    pid = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    session = EmbedSession(
        url=f"http://127.0.0.1:9/base/projects/{pid}/files/a%20b?auth_token=T0k&fullscreen=kiosk&session=",
        expires_at=dt.datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert session.app_url() == "http://127.0.0.1:9/base/app?auth_token=T0k"
    with pytest.raises(ValueError, match="kiosk URL"):
        EmbedSession(url="http://127.0.0.1:9/app", expires_at=session.expires_at).app_url()
