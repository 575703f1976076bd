"""examples/embed_backend.py in headless Chromium against the emulator: real clicks, real
postMessage round trips, a screenshot, and seed 001's get_api_key flow with its redirect caught.

Needs Chromium (Debian: ``apt-get install chromium chromium-driver``, or ``scripts/install-browser``)
and the ``playwright`` Python package, which drives that Chromium (its own browser download is
not used). Without them the tests skip, unless ``COCALC_REQUIRE_BROWSER=1``, where they fail.
Set ``COCALC_CHROMIUM`` to use a Chromium that is not on ``PATH``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from aiohttp import web
from yarl import URL

from cocalc_async.testing import Emulator

from .conftest import FILES, STUDENT_EMAIL, STUDENT_PASSWORD
from .png import pixels

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "embed_backend.py"
#: The launch flags our machines need: no sandbox as root, and no background traffic to Google's
#: hosts, which a closed network refuses (and which would slow every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def _chromium() -> str:
    """The Chromium binary, or a skip (a failure when ``COCALC_REQUIRE_BROWSER=1``)."""
    problems = []
    if importlib.util.find_spec("playwright") is None:
        problems.append("the Python package 'playwright' is not installed (pip install playwright)")
    override = os.environ.get("COCALC_CHROMIUM")
    if override:
        binary = override if os.access(override, os.X_OK) else None
    else:
        binary = next(
            (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))),
            None,
        )
    if binary is None:
        problems.append(
            "no Chromium found (apt-get install chromium chromium-driver, scripts/install-browser,"
            " or set COCALC_CHROMIUM to its path)"
        )
    if problems:
        reason = "browser test skipped: " + "; ".join(problems)
        if os.environ.get("COCALC_REQUIRE_BROWSER") == "1":
            pytest.fail(reason.replace("skipped", "required (COCALC_REQUIRE_BROWSER=1) but"))
        pytest.skip(reason)
    assert binary is not None
    return binary


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("embed_backend_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@dataclass
class Stage:
    emu: Emulator
    backend_url: str
    project_id: str
    forbidden_project_id: str
    browser: BrowserContext
    page: Page


async def _start_stage(tmp_path: Path, **emulator_settings: Any) -> AsyncIterator[Stage]:
    from playwright.async_api import async_playwright

    chromium = _chromium()
    example = _load_example()
    async with Emulator(**emulator_settings) as emu:
        student_id, _ = emu.create_account("Sam", "Student", STUDENT_EMAIL, STUDENT_PASSWORD)
        project_id = emu.create_project(student_id, title="Homework")
        for path, text in FILES.items():
            target = emu.project_dir(project_id) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        forbidden = emu.create_project(title="Instructor only")
        (emu.project_dir(forbidden) / "secret.md").write_text("solutions", encoding="utf-8")
        user = example.User(
            STUDENT_EMAIL, STUDENT_PASSWORD, student_id, STUDENT_PASSWORD, project_id, "notes.md"
        )
        runner = web.AppRunner(example.make_app(emu.url, emu.api_key, [user]))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        backend_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with async_playwright() as pw:
                # A persistent context on a fresh directory is Chromium's --user-data-dir.
                browser = await pw.chromium.launch_persistent_context(
                    str(tmp_path / "chromium-profile"),
                    executable_path=chromium,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 900, "height": 600},
                )
                try:
                    page = browser.pages[0] if browser.pages else await browser.new_page()
                    page.set_default_timeout(15_000)
                    yield Stage(emu, backend_url, project_id, forbidden, browser, page)
                finally:
                    await browser.close()
        finally:
            await runner.cleanup()


@pytest_asyncio.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    async for value in _start_stage(tmp_path):
        yield value


async def _sign_in(stage: Stage) -> Page:
    """Sign in to the demo backend with real typing and a real click, and wait for CoCalc."""
    page = stage.page
    await page.goto(f"{stage.backend_url}/")
    assert page.url.endswith("/login")
    await page.fill("#email", STUDENT_EMAIL)
    await page.fill("#password", STUDENT_PASSWORD)
    await page.click("#login-button")
    await page.wait_for_selector("body[data-cocalc-ready=yes]")
    return page


async def _click(page: Page, button: str) -> tuple[str, dict[str, Any]]:
    """Click a button of the demo page and return (status, reply) once its promise settles."""
    seq = int(await page.get_attribute("#result", "data-seq") or "0")
    await page.click(button)
    await page.wait_for_selector(f'#result[data-seq="{seq + 1}"]')
    status = await page.get_attribute("#result", "data-status")
    reply = json.loads(await page.inner_text("#result"))
    return status or "", reply


async def test_page_loads_and_the_iframe_shows_the_file(stage: Stage, tmp_path: Path) -> None:
    page = await _sign_in(stage)
    viewer = page.frame_locator("#viewer")
    assert await viewer.locator("#content").inner_text() == FILES["notes.md"]
    assert await viewer.locator("#cocalc-chrome").count() == 0  # kiosk: no CoCalc UI
    banner = page.frame_locator("#cocalc").locator("#banner")
    assert await banner.inner_text() == "CoCalc is ready"
    shot = tmp_path / "embedded.png"
    await page.screenshot(path=str(shot))
    width, height, pix = pixels(shot.read_bytes())
    assert (width, height) == (900, 600)
    colours = Counter(pix)
    # Not blank: many colours (text is anti-aliased), and no single colour covers everything.
    assert len(colours) > 20
    assert colours.most_common(1)[0][1] < 0.97 * len(pix)


async def test_open_status_and_closeall_round_trips(stage: Stage) -> None:
    page = await _sign_in(stage)
    await page.fill("#path", "second.md")
    status, reply = await _click(page, "#open")
    assert status == "ok"
    assert reply == {
        "action": "open",
        "id": reply["id"],
        "status": "done",
        "project_id": stage.project_id,
        "path": "second.md",
    }
    assert "ack second.md" in await page.inner_text("#acks")
    editor = page.frame_locator("#cocalc").locator("#editor")
    assert await editor.inner_text() == FILES["second.md"]

    status, reply = await _click(page, "#status")
    assert status == "ok"
    assert reply["open_files"] == {stage.project_id: ["second.md"]}
    assert reply["connection"]["connected"] is True
    assert reply["connection"]["hub"] == stage.emu.url

    status, reply = await _click(page, "#closeall")
    assert (status, reply["status"], reply["mesg"]) == ("ok", "done", "all files are closed")
    status, reply = await _click(page, "#status")
    assert reply["open_files"] == {}
    assert await editor.inner_text() == ""


async def test_forbidden_project_and_missing_file_give_error(stage: Stage) -> None:
    page = await _sign_in(stage)
    await page.fill("#project", stage.forbidden_project_id)
    await page.fill("#path", "secret.md")
    status, reply = await _click(page, "#open")
    assert status == "error"
    assert reply["status"] == "error"
    assert reply["mesg"] == f"you do not have read access to project {stage.forbidden_project_id}"
    await page.fill("#project", stage.project_id)
    await page.fill("#path", "missing.md")
    status, reply = await _click(page, "#open")
    assert (status, reply["mesg"]) == ("error", "no such file: missing.md")
    _, reply = await _click(page, "#status")
    assert reply["open_files"] == {}


async def test_expired_token_shows_the_impersonate_error(stage: Stage) -> None:
    page = await _sign_in(stage)
    src = await page.get_attribute("#cocalc", "src")
    assert src is not None
    sign_in = URL(src, encoded=True)
    assert sign_in.path == "/auth/impersonate"
    token = sign_in.query["auth_token"]
    stage.emu.store.expire_auth_token(token)
    await page.click("#sign-in-again")
    body = page.frame_locator("#cocalc").locator("body")
    expected = f"ERROR: impersonate error -- Error: unknown or expired token: '{token}'"
    await body.get_by_text("unknown or expired token").wait_for()
    assert await body.inner_text() == expected
    # The cookie from the first sign-in outlives the token: the kiosk view still shows the file.
    await page.click("#reload-viewer")
    assert await page.frame_locator("#viewer").locator("#content").inner_text() == FILES["notes.md"]


async def test_get_api_key_flow_with_the_redirect_intercepted(stage: Stage) -> None:
    page = stage.page
    captured: list[str] = []

    async def capture(route: Any) -> None:
        captured.append(route.request.url)
        await route.fulfill(status=200, content_type="text/plain", body="captured")

    await page.route("https://authenticated/**", capture)
    await page.goto(f"{stage.emu.url}/app?get_api_key=myapp")
    assert await page.inner_text("#api-key-banner") == "CoCalc API Key Access for Myapp"
    await page.fill("#email", STUDENT_EMAIL)
    await page.fill("#password", STUDENT_PASSWORD)
    await page.click("#sign-in-button")
    await page.wait_for_url("https://authenticated/**")
    assert len(captured) == 1
    key = URL(captured[0]).query["api_key"]
    owner = stage.emu.store.resolve_key(key)
    assert owner is not None
    assert owner.project_id is None


async def test_origin_outside_the_allow_list_gets_no_reply(tmp_path: Path) -> None:
    # Only an origin nobody uses is allowed, so /app must ignore the demo page's messages.
    async for stage in _start_stage(tmp_path, embed_origins=("https://lms.example.edu",)):
        page = stage.page
        await page.goto(f"{stage.backend_url}/login")
        await page.fill("#email", STUDENT_EMAIL)
        await page.fill("#password", STUDENT_PASSWORD)
        await page.click("#login-button")
        await page.frame_locator("#cocalc").locator("#banner.ready").wait_for()
        status, reply = await _click(page, "#status")
        assert status == "timeout"
        assert "no reply" in reply["mesg"]
