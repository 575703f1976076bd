"""The emulator's embed pages over plain HTTP: tokens, kiosk content, access, and /app."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest
from yarl import URL

from cocalc_async.embed import app_url, kiosk_url
from cocalc_async.testing import Emulator

from .conftest import FILES, World


def _token(world: World) -> str:
    return world.emu.store.create_auth_token(world.student_id)


async def test_valid_token_signs_in_and_redirects_without_it(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = kiosk_url(world.emu.url, world.project_id, "notes.md", _token(world))
    async with http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
        assert "remember_me" in resp.cookies
    assert "auth_token" not in location
    assert URL(location).query["fullscreen"] == "kiosk"
    # The cookie alone now signs this browser in.
    async with http.get(URL(world.emu.url).join(URL(location))) as resp:
        assert resp.status == 200
        assert "first file" in await resp.text()


async def test_kiosk_shows_only_the_content(world: World, http: aiohttp.ClientSession) -> None:
    url = kiosk_url(world.emu.url, world.project_id, "notes.md", _token(world))
    async with http.get(url) as resp:
        text = await resp.text()
    assert re.search(r'<body class="kiosk"><pre id="content">.*first file</pre></body>', text, re.S)
    assert 'id="cocalc-chrome"' not in text
    assert "<header" not in text


async def test_without_kiosk_the_page_has_its_ui(world: World, http: aiohttp.ClientSession) -> None:
    token = _token(world)
    url = f"{world.emu.url}/projects/{world.project_id}/files/notes.md?auth_token={token}"
    async with http.get(url) as resp:
        text = await resp.text()
    assert 'id="cocalc-chrome"' in text
    assert "Homework" in text
    assert "Sam Student" in text
    assert "first file" in text


async def test_encoded_names_reach_the_right_file(
    world: World, http: aiohttp.ClientSession
) -> None:
    url = kiosk_url(world.emu.url, world.project_id, "sub dir/α #1.txt", _token(world))
    async with http.get(url) as resp:
        assert resp.status == 200
        assert FILES["sub dir/α #1.txt"] in await resp.text()


@pytest.mark.parametrize("kind", ["unknown", "expired"])
async def test_bad_tokens_get_the_refusal_page(
    world: World, http: aiohttp.ClientSession, kind: str
) -> None:
    token = "x" * 24
    if kind == "expired":
        token = _token(world)
        world.emu.store.expire_auth_token(token)
    for url in (
        kiosk_url(world.emu.url, world.project_id, "notes.md", token),
        app_url(world.emu.url, token),
    ):
        async with http.get(url, allow_redirects=False) as resp:
            assert resp.status == 401
            text = await resp.text()
        assert 'id="refused"' in text
        assert "expired" in text
        assert token not in text
        assert "remember_me" not in resp.cookies


async def test_bad_token_is_refused_even_with_a_signed_in_cookie(
    world: World, http: aiohttp.ClientSession
) -> None:
    async with http.get(app_url(world.emu.url, _token(world))) as resp:
        assert resp.status == 200
    async with http.get(app_url(world.emu.url, "y" * 24)) as resp:
        assert resp.status == 401


async def test_no_token_and_no_cookie_is_not_signed_in(
    world: World, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{world.emu.url}/projects/{world.project_id}/files/notes.md") as resp:
        assert resp.status == 401
        assert "Not signed in" in await resp.text()


async def test_forbidden_project_and_missing_file(
    world: World, http: aiohttp.ClientSession
) -> None:
    token = _token(world)
    async with http.get(
        kiosk_url(world.emu.url, world.forbidden_project_id, "secret.md", token)
    ) as resp:
        assert resp.status == 403
        text = await resp.text()
    assert "solutions" not in text
    assert "read access" in text
    async with http.get(kiosk_url(world.emu.url, world.project_id, "nope.md", token)) as resp:
        assert resp.status == 404
        assert "File not found" in await resp.text()


async def test_app_page_embeds_the_protocol_and_the_allow_list(
    world: World, http: aiohttp.ClientSession
) -> None:
    async with http.get(app_url(world.emu.url, _token(world))) as resp:
        assert resp.status == 200
        text = await resp.text()
    assert 'id="banner"' in text
    assert 'addEventListener("message"' in text
    config = re.search(r'id="cocalc-config">(.*?)</script>', text, re.S)
    assert config is not None
    assert json.loads(config.group(1))["allowed_origins"] == [
        "http://127.0.0.1:*",
        "http://localhost:*",
    ]


async def test_allow_list_is_a_setting(http: aiohttp.ClientSession) -> None:
    async with Emulator(embed_origins=("https://lms.example.edu",)) as emu:
        token = emu.store.create_auth_token(emu.account_id)
        async with http.get(app_url(emu.url, token)) as resp:
            text = await resp.text()
    assert '"allowed_origins": ["https://lms.example.edu"]' in text


async def test_file_endpoint_answers_the_open_action(
    world: World, http: aiohttp.ClientSession
) -> None:
    base = f"{world.emu.url}/app/_embed/file"
    async with http.get(base, params={"project_id": world.project_id, "path": "notes.md"}) as resp:
        assert resp.status == 401  # no cookie yet
    async with http.get(app_url(world.emu.url, _token(world))) as resp:
        assert resp.status == 200
    async with http.get(base, params={"project_id": world.project_id, "path": "notes.md"}) as resp:
        assert (resp.status, await resp.json()) == (200, {"content": FILES["notes.md"]})
    params = {"project_id": world.forbidden_project_id, "path": "secret.md"}
    async with http.get(base, params=params) as resp:
        assert resp.status == 403
        assert "read access" in (await resp.json())["error"]
    async with http.get(base, params={"project_id": world.project_id, "path": "gone.md"}) as resp:
        assert (resp.status, await resp.json()) == (404, {"error": "no such file: gone.md"})
    async with http.get(
        base, params={"project_id": world.project_id, "path": "../../etc/passwd"}
    ) as resp:
        assert resp.status == 403


async def test_banned_account_token_is_refused(world: World, http: aiohttp.ClientSession) -> None:
    token = _token(world)
    world.emu.ban(world.student_id)
    async with http.get(app_url(world.emu.url, token)) as resp:
        assert resp.status == 401
