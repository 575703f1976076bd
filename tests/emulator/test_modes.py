"""The emulator's era and the hub modes it offers: today's hub by default (v1 gone), ``v1=True``,
``single_user`` copies, and v2 validation on (development hub) or off (production hub)."""

from __future__ import annotations

import re

import aiohttp
import pytest

from cocalc_async.testing import Emulator
from cocalc_async.testing.serve import build_parser

from .emulator_helpers import Raw, basic

TITLE = re.compile(r"<title[^>]*>([^<]*)</title>")


@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
@pytest.mark.parametrize("path", ["/api/v1/ping", "/api/v1/query", "/api/v1/no/such", "/api/v1"])
async def test_today_every_v1_path_is_the_404_page(emu: Emulator, method: str, path: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, emu.url + path, json={}, headers=basic(emu.api_key)) as resp,
    ):
        text = await resp.text()
        # recorded v1-*: status, content type and title of the Next.js page
        assert resp.status == 404
        assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        m = TITLE.search(text)
        assert m is not None
        assert m.group(1) == "404 Page Not Found"
    assert emu.requests.count("v1/" + path.removeprefix("/api/v1").strip("/")) == 1


@pytest.mark.emulator_settings(v1=True)
async def test_v1_true_brings_back_the_strict_v1_api(raw: Raw) -> None:
    status, pong = await raw.v1("ping")
    assert (status, pong["event"]) == (200, "pong")
    status, body = await raw.v1("ping", {"event": "ping"})
    assert status == 400
    assert "must not define 'event'" in body["error"]
    status, body = await raw.v1("ping", {"nonsense": 1})
    assert status == 400
    assert "got an unexpected argument 'nonsense'" in body["error"]


@pytest.mark.emulator_settings(v1=True)
async def test_v1_validator_texts_and_order(raw: Raw) -> None:
    # util/message.js:112-117: JSON.stringify of the body and of the message object, whose
    # event follows the fields of a message2 definition
    status, body = await raw.v1("ping", {"event": "ping"})
    assert (status, body["error"]) == (
        400,
        "invalid parameters 'Error: ValueError: must not define 'event' when calling message"
        ' creation function (opts={"event":"ping"}, obj={"event":"ping"})\'',
    )
    # util/opts.js: the fields are checked before the unexpected keys
    status, body = await raw.v1("read_text_file_from_project", {"nonsense": 1})
    assert status == 400
    assert body["error"].startswith(
        "invalid parameters 'Error: misc.defaults -- TypeError: property 'project_id' must be"
        ' specified: (obj1={"nonsense":1}, obj2={"project_id":'
    )


def test_serve_takes_v1() -> None:
    assert build_parser().parse_args([]).v1 is False
    assert build_parser().parse_args(["--v1"]).v1 is True


async def _copy_answer(emu: Emulator, raw: Raw) -> dict[str, object]:
    src, dst = emu.create_project(title="src"), emu.create_project(title="dst")
    (emu.project_dir(src) / "a.txt").write_text("a")
    body = {"src_project_id": src, "path": "a.txt", "target_project_id": dst}
    answer: dict[str, object] = await raw.v2(
        "projects/copy-path", {**body, "wait_until_done": False}
    )
    return answer


async def test_multi_user_copies_run_in_the_background(emu: Emulator, raw: Raw) -> None:
    answer = await _copy_answer(emu, raw)
    copy_id = answer["copy_id"]
    assert isinstance(copy_id, str)
    assert re.fullmatch(r"[0-9a-f-]{36}", copy_id)
    status = await raw.v2("projects/copy-path-status", {"copy_id": copy_id})
    assert "copy_error" in status


@pytest.mark.emulator_settings(single_user=True)
async def test_single_user_copies_before_answering(emu: Emulator, raw: Raw) -> None:
    assert await _copy_answer(emu, raw) == {"copy_id": ""}
    assert await raw.v2("projects/copy-path-status", {"copy_id": ""}) == {
        "error": "copy_id must be a valid uuid"
    }


async def test_validation_answers_400_before_the_key_is_looked_at(raw: Raw) -> None:
    status, body = await raw.post("/api/v2/projects/start", {}, key=None)
    assert status == 400
    assert body == {
        "message": "Invalid request body.",
        "errors": [
            {
                "code": "invalid_type",
                "expected": "string",
                "received": "undefined",
                "path": ["project_id"],
                "message": "Required",
            }
        ],
    }
    status, body = await raw.post(
        "/api/v2/exec", {"project_id": "not-a-uuid", "command": "echo hi"}, key=None
    )
    assert status == 400
    assert body["errors"] == [
        {"validation": "uuid", "code": "invalid_string", "message": "Invalid uuid",
         "path": ["project_id"]},
        {"code": "custom", "message": "Invalid input", "path": []},
    ]  # fmt: skip


async def test_validation_strips_async_get_from_a_poll_that_carries_a_command(
    emu: Emulator, raw: Raw
) -> None:
    # the blocking branch of exec's union parses first: the "poll" runs the command again
    pid = emu.create_project()
    poll = {"project_id": pid, "command": "echo again", "bash": True,
            "async_get": "00000000-1111-4222-8333-444444444444", "async_stats": False}  # fmt: skip
    assert await raw.v2("exec", poll) == {
        "type": "blocking", "stdout": "again\n", "stderr": "", "exit_code": 0
    }  # fmt: skip


@pytest.mark.emulator_settings(api_validation=False)
async def test_production_hub_answers_with_the_handlers_own_errors(emu: Emulator, raw: Raw) -> None:
    pid = emu.create_project()
    assert await raw.v2("projects/start", {}) == {"error": "project_id must be a valid uuid"}
    assert await raw.v2("exec", {"project_id": pid}) == {
        "error": "Error executing command 'undefined' with args 'undefined' -- TypeError: Cannot"
        " read properties of undefined (reading 'split')"
    }
    poll = {"project_id": pid, "command": "echo again", "bash": True,
            "async_get": "00000000-1111-4222-8333-444444444444"}  # fmt: skip
    # without validation async_get survives, so this is a poll of a job that does not exist
    assert (await raw.v2("exec", poll))["error"].endswith(
        "Error: Async operation '00000000-1111-4222-8333-444444444444' does not exist."
    )
