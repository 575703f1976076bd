"""obtain_api_key: seed 001's app sign-in flow against the emulator, and its refusals."""

from __future__ import annotations

import logging

import aiohttp
import pytest

import cocalc_async
from cocalc_async import Client
from cocalc_async.embed import obtain_api_key
from cocalc_async.embed._api_key import key_from_location
from cocalc_async.errors import AuthenticationError, NotFoundError, RateLimitError

from .conftest import STUDENT_EMAIL, STUDENT_PASSWORD, World


async def test_page_shows_the_banner(world: World, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{world.emu.url}/app?get_api_key=myapp") as resp:
        assert resp.status == 200
        text = await resp.text()
    assert "CoCalc API Key Access for Myapp" in text
    assert 'name="password"' in text


async def test_flow_returns_a_new_working_key_for_that_account(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = await cocalc_async.obtain_api_key(world.emu.url, STUDENT_EMAIL, STUDENT_PASSWORD, "myapp")
    assert key.startswith("sk")
    owner = world.emu.store.resolve_key(key)
    assert owner is not None
    assert owner.account_id == world.student_id
    names = [row["name"] for row in world.emu.store.list_api_keys(world.student_id)]
    assert "myapp" in names
    async with Client(key, base_url=world.emu.url) as client:
        # system.test answers with the account its key signs in as.
        assert (await client.conat.hub.system.test()).account_id == world.student_id
    assert key not in caplog.text
    assert STUDENT_PASSWORD not in caplog.text
    # A second run gives a second key: each app sign-in creates one.
    assert await obtain_api_key(world.emu.url, STUDENT_EMAIL, STUDENT_PASSWORD, "myapp") != key


async def test_final_redirect_is_not_followed_and_names_the_marker_host(
    world: World, http: aiohttp.ClientSession
) -> None:
    form = {"email": STUDENT_EMAIL, "password": STUDENT_PASSWORD}
    url = f"{world.emu.url}/app?get_api_key=myapp"
    async with http.post(url, data=form, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    assert location.startswith("https://authenticated/?api_key=sk")
    assert key_from_location(location) == location.split("=", 1)[1]
    assert key_from_location("https://evil.example/?api_key=sk-x") is None
    # Today's CoCalc front end writes it without the slash (frontend/account/init.ts).
    assert key_from_location("https://authenticated?api_key=sk-y") == "sk-y"


async def test_wrong_password_is_refused(world: World) -> None:
    with pytest.raises(AuthenticationError, match="Incorrect email address or password") as info:
        await obtain_api_key(world.emu.url, STUDENT_EMAIL, "not-it", "myapp")
    assert info.value.status_code == 401
    with pytest.raises(AuthenticationError):
        await obtain_api_key(world.emu.url, "nobody@example.com", "x", "myapp")
    assert all(row["name"] != "myapp" for row in world.emu.store.list_api_keys(world.student_id))


async def test_sign_in_is_throttled_after_five_failures_a_minute(world: World) -> None:
    url = world.emu.url
    for _ in range(6):
        with pytest.raises(AuthenticationError):
            await obtain_api_key(url, STUDENT_EMAIL, "wrong", "myapp")
    # More than 5 failures: refused, even with the right password, with the real text.
    with pytest.raises(RateLimitError) as info:
        await obtain_api_key(url, STUDENT_EMAIL, STUDENT_PASSWORD, "myapp")
    assert info.value.status_code == 429
    assert info.value.message == (
        f'Too many attempts per minute to sign in as "{STUDENT_EMAIL}". Wait one minute, then try again.'
    )
    assert info.value.retry_after == 60.0
    # The throttle is per email: the instructor can still sign in from the same machine.
    key = await obtain_api_key(url, "instructor@example.com", "instructor-password", "myapp")
    assert key.startswith("sk")


async def test_missing_page_is_not_found() -> None:
    from aiohttp import web

    app = web.Application()
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        with pytest.raises(NotFoundError):
            await obtain_api_key(f"http://127.0.0.1:{port}", "a@b.c", "pw", "myapp")
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("email", "password", "app"), [("", "pw", "myapp"), ("a@b.c", "pw", " ")])
async def test_bad_arguments_are_refused(email: str, password: str, app: str) -> None:
    with pytest.raises(ValueError, match=r"app_name|email"):
        await obtain_api_key("http://127.0.0.1:1", email, password, app)
