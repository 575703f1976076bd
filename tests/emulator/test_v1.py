"""v1 strictness and the core endpoints, on the wire."""

from __future__ import annotations

import uuid

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)

REMOVED = ["delete_account", "forgot_password", "reset_forgot_password", "unlink_passport",
           "metrics", "start_metrics"]  # fmt: skip


async def test_ping_echoes_id_and_is_pretty(raw: Raw, emu: Emulator) -> None:
    rid = str(uuid.uuid4())
    async with raw.session.post(
        emu.url + "/api/v1/ping",
        json={"id": rid},
        headers={"Authorization": f"Bearer {emu.api_key}"},
    ) as resp:
        text = await resp.text()
    assert text.startswith('{\n  "event": "pong",\n  "id": "' + rid + '"')


async def test_get_is_not_served(raw: Raw, emu: Emulator) -> None:
    async with raw.session.get(emu.url + "/api/v1/ping") as resp:
        assert resp.status == 404


@pytest.mark.parametrize("event", REMOVED)
async def test_removed_endpoints(raw: Raw, event: str) -> None:
    assert await raw.v1(event) == (
        400,
        {"error": f"endpoint '{event}' is not part of the HTTP API"},
    )


async def test_unknown_endpoint(raw: Raw) -> None:
    assert await raw.v1("frobnicate") == (400, {"error": "unknown endpoint 'frobnicate'"})


async def test_strict_parameters(raw: Raw) -> None:
    status, body = await raw.v1("ping", {"bogus": 1})
    assert status == 400
    assert body["error"].startswith(
        "invalid parameters 'Error: misc.defaults -- TypeError: got an unexpected argument 'bogus'"
    )
    status, body = await raw.v1("ping", {"event": "ping"})
    assert status == 400
    assert "must not define 'event'" in body["error"]
    for event in ("copy_path_status", "copy_path_delete"):
        status, body = await raw.v1(event, {"id": str(uuid.uuid4())})
        assert status == 400
        assert "unexpected argument 'id'" in body["error"]
    status, body = await raw.v1("project_exec", {"command": "ls"})
    assert status == 400
    assert "property 'project_id' must be specified" in body["error"]


async def test_null_means_not_given(raw: Raw) -> None:
    status, body = await raw.v1("create_project", {"title": None})
    assert status == 200
    assert body["event"] == "project_created"


async def test_project_lifecycle_and_files(raw: Raw) -> None:
    _, created = await raw.v1("create_project", {"title": "Course", "description": "d"})
    pid = created["project_id"]
    _, body = await raw.v1(
        "write_text_file_to_project", {"project_id": pid, "path": "a/b.txt", "content": "hi"}
    )
    assert body["event"] == "file_written_to_project"
    _, body = await raw.v1("read_text_file_from_project", {"project_id": pid, "path": "a/b.txt"})
    assert body["content"] == "hi"
    _, body = await raw.v1("read_text_file_from_project", {"project_id": pid, "path": "nope.txt"})
    assert body["event"] == "error"
    assert body["error"]["code"] == "ENOENT"
    _, body = await raw.v1("touch_project", {"project_id": pid})
    assert body["event"] == "success"


async def test_query_find_project_by_title(raw: Raw) -> None:
    _, created = await raw.v1("create_project", {"title": "Student 1", "description": "x"})
    pid = created["project_id"]
    _, body = await raw.v1(
        "query",
        {"query": {"projects": {"project_id": None, "title": "Student 1", "description": None}}},
    )
    assert body["query"]["projects"] == {
        "project_id": pid,
        "title": "Student 1",
        "description": "x",
    }
    _, body = await raw.v1(
        "query", {"query": {"projects": {"project_id": pid, "title": "Renamed"}}}
    )
    assert body["query"] == {}
    assert body["multi_response"] is False
    _, body = await raw.v1("query", {"query": {"projects": [{"project_id": None, "title": None}]}})
    assert {"project_id": pid, "title": "Renamed"} in body["query"]["projects"]


async def test_query_accounts(raw: Raw, emu: Emulator) -> None:
    _, body = await raw.v1(
        "query",
        {"query": {"accounts": {"account_id": None, "first_name": None, "email_address": None}}},
    )
    assert body["query"]["accounts"] == {
        "account_id": emu.account_id,
        "first_name": "Ada",
        "email_address": "instructor@example.com",
    }


async def test_user_search_and_usernames(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account("Grace", "Hopper", "grace@example.com")
    _, body = await raw.v1("user_search", {"query": "grace@example.com"})
    assert body["results"] == [
        {
            "account_id": other,
            "first_name": "Grace",
            "last_name": "Hopper",
            "email_address": "grace@example.com",
        }
    ]
    _, body = await raw.v1("user_search", {"query": "hop gra"})
    assert [r["account_id"] for r in body["results"]] == [other]
    _, body = await raw.v1("get_usernames", {"account_ids": [other]})
    assert body["usernames"] == {other: {"first_name": "Grace", "last_name": "Hopper"}}


async def test_user_auth_token(raw: Raw, emu: Emulator) -> None:
    _, body = await raw.v1(
        "user_auth", {"account_id": emu.account_id, "password": "instructor-password"}
    )
    assert body["event"] == "user_auth_token"
    assert len(body["auth_token"]) == 24
    assert emu.store.resolve_auth_token(body["auth_token"]) == emu.account_id
    _, body = await raw.v1("user_auth", {"account_id": emu.account_id, "password": "wrong"})
    assert body["event"] == "error"


async def test_create_account_and_failure(raw: Raw) -> None:
    params = {"first_name": "J", "last_name": "D", "email_address": "jd@example.com",
              "password": "xyzabc09090", "agreed_to_terms": True}  # fmt: skip
    _, body = await raw.v1("create_account", params)
    assert body["event"] == "account_created"
    _, body = await raw.v1("create_account", params)
    assert body == {
        "event": "account_creation_failed",
        "id": body["id"],
        "reason": {"email_address": "This e-mail address is already taken."},
    }


async def test_support_tickets_and_client_errors(raw: Raw, emu: Emulator) -> None:
    _, body = await raw.v1(
        "create_support_ticket", {"email_address": "a@b.co", "subject": "s", "body": "b"}
    )
    assert body["event"] == "support_ticket_url"
    _, body = await raw.v1("get_support_tickets")
    assert [t["subject"] for t in body["tickets"]] == ["s"]
    _, body = await raw.v1("log_client_error", {"error": "boom"})
    assert body["event"] == "success"
    assert emu.store.client_errors()[0]["error"] == "boom"


async def test_form_encoded_values_stay_strings(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project(title="p")
    async with raw.session.post(
        emu.url + "/api/v1/project_exec",
        data={"project_id": pid, "command": "false", "err_on_exit": "false"},
        headers={"Authorization": f"Bearer {emu.api_key}"},
    ) as resp:
        body = await resp.json()
    # "false" is a truthy string, so err_on_exit stays on, as on the real server
    assert body["event"] == "error"
    assert "exited with nonzero code 1" in body["error"]


async def test_stripe_and_jupyter_answer_not_available(raw: Raw) -> None:
    _, body = await raw.v1("stripe_get_customer")
    assert body["event"] == "error"
    _, body = await raw.v1("jupyter_kernels")
    assert body["event"] == "error"
    assert "not available" in body["error"]
