"""v2 on the wire: compact JSON, 200 errors, anonymous callers, projects, accounts, keys."""

from __future__ import annotations

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw
from .emulator_helpers import field as _field


async def test_anonymous_and_unknown_route(raw: Raw, emu: Emulator) -> None:
    assert await raw.v2("projects/create", key=None) == {"error": "user must be signed in"}
    assert await raw.v2("projects/get", key="sk-bad") == {"error": "Must be signed in."}
    status, body = await raw.post("/api/v2/no/such/route")
    assert status == 404
    assert "404" in body


@pytest.mark.emulator_settings(api_validation=False)  # the handler's own text, as in production
async def test_get_runs_without_params(raw: Raw, emu: Emulator) -> None:
    async with raw.session.get(
        emu.url + "/api/v2/projects/stop", headers={"Authorization": f"Bearer {emu.api_key}"}
    ) as resp:
        assert await resp.json() == {"error": "project_id must be a valid uuid"}


async def test_compact_json(raw: Raw, emu: Emulator) -> None:
    async with raw.session.post(
        emu.url + "/api/v2/projects/create",
        json={"title": "t"},
        headers={"Authorization": f"Bearer {emu.api_key}"},
    ) as resp:
        assert (await resp.text()).startswith('{"project_id":"')


async def test_project_family(raw: Raw, emu: Emulator) -> None:
    pid = (await raw.v2("projects/create", {"title": "A", "description": "d"}))["project_id"]
    got = await raw.v2("projects/get")
    assert {"project_id": pid, "title": "A", "description": "d", "name": None} in got
    assert await raw.v2("projects/start", {"project_id": pid}) == {"status": "ok"}
    assert await raw.v2("projects/stop", {"project_id": pid}) == {"status": "ok"}
    assert await raw.v2("projects/touch", {"project_id": pid}) == {}
    assert await raw.v2("projects/update", {"project_id": pid, "title": "B"}) == {"status": "ok"}
    assert _field(emu.store.project(pid), "title") == "B"
    body = {"project_id": pid, "path": "x.txt", "content": "c"}
    assert await raw.v2("projects/write-text-file", body) == {"status": "ok"}
    assert (emu.project_dir(pid) / "x.txt").read_text() == "c"
    assert await raw.v2("projects/delete", {"project_id": pid}) == {"status": "ok"}
    assert pid not in [p["project_id"] for p in await raw.v2("projects/get")]
    assert await raw.v2("projects/restore", {"project_id": pid}) == {"status": "ok"}


async def test_collaborators(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project(title="c")
    other, _ = emu.create_account("Bo", "B")
    body = {"project_id": pid, "account_id": other}
    assert await raw.v2("projects/collaborators/add", body) == {"status": "ok"}
    names = await raw.v2("projects/collaborators/list", {"project_id": pid})
    assert {"account_id": other, "first_name": "Bo", "last_name": "B"} in names
    assert await raw.v2("projects/collaborators/remove", body) == {"status": "ok"}
    assert not emu.store.is_collaborator(other, pid)
    quirk = {"project_id": "nope", "account_id": other}
    status, body = await raw.post("/api/v2/projects/collaborators/add", quirk)
    assert status == 400  # the zod schema wants a uuid
    assert body["errors"][0]["message"] == "Invalid uuid"


@pytest.mark.emulator_settings(api_validation=False)
async def test_production_collaborator_quirk(raw: Raw, emu: Emulator) -> None:
    # without validation the handler answers {} for a non-uuid project_id
    other, _ = emu.create_account("Bo", "B")
    quirk = {"project_id": "nope", "account_id": other}
    assert await raw.v2("projects/collaborators/add", quirk) == {}


async def test_accounts(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account("Cy", "C", "cy@example.com")
    assert (await raw.v2("accounts/get-names", {"account_ids": [other]}))["names"] == {
        other: {"first_name": "Cy", "last_name": "C", "profile": None}
    }
    found = await raw.v2("accounts/search", {"query": "cy@example.com"})
    assert found[0]["account_id"] == other
    assert found[0]["email_address"] == "cy@example.com"
    prof = (await raw.v2("accounts/profile"))["profile"]
    assert prof["account_id"] == emu.account_id
    assert await raw.v2("accounts/set-name", {"first_name": "Ida"}) == {"status": "success"}
    assert _field(emu.store.account(emu.account_id), "first_name") == "Ida"
    change = {"email_address": "cy@example.com", "password": "instructor-password"}
    assert "already in use" in (await raw.v2("accounts/set-email-address", change))["error"]
    pw = {"currentPassword": "instructor-password", "newPassword": "new-password-1"}
    assert await raw.v2("accounts/set-password", pw) == {"status": "success"}
    assert emu.store.check_password(emu.account_id, "new-password-1")


async def test_api_keys(raw: Raw, emu: Emulator) -> None:
    created = (await raw.v2("api-keys", {"action": "create", "name": "ci"}))["response"][0]
    secret = created["secret"]
    assert (await raw.hub("system.test", key=secret))["account_id"] == emu.account_id
    listed = (await raw.v2("api-keys", {"action": "get"}))["response"]
    assert all("secret" not in k for k in listed)
    assert created["id"] in [k["id"] for k in listed]
    await raw.v2("api-keys", {"action": "delete", "id": created["id"]})
    assert "error" in await raw.hub("system.test", key=secret)


async def test_sign_up_and_sign_in(raw: Raw) -> None:
    body = {"terms": True, "email": "new@example.com", "password": "a-long-password-3",
            "firstName": "N", "lastName": "U"}  # fmt: skip
    made = await raw.v2("auth/sign-up", body, key=None)
    assert "account_id" in made
    # the same email and password signs in (sign-up.ts:89-98); another password is refused
    assert await raw.v2("auth/sign-up", body, key=None) == {"account_id": made["account_id"]}
    again = await raw.v2("auth/sign-up", {**body, "password": "other-pass-99!"}, key=None)
    assert "already in use" in again["issues"]["email"]
    signed = await raw.v2(
        "auth/sign-in", {"email": "new@example.com", "password": "a-long-password-3"}, key=None
    )
    assert signed == {"account_id": made["account_id"]}
    status, _ = await raw.post("/api/v2/auth/sign-in", {}, key=None)
    assert status == 500


async def test_user_query_messages_support_public_paths(raw: Raw, emu: Emulator) -> None:
    got = await raw.v2(
        "user-query", {"query": {"accounts": {"account_id": None, "last_name": None}}}
    )
    assert got == {"query": {"accounts": {"account_id": emu.account_id, "last_name": "Instructor"}}}
    other, other_key = emu.create_account()
    sent = await raw.v2("messages/send", {"to_ids": [other], "subject": "hi", "body": "b"})
    assert sent["status"] == "success"
    inbox = await raw.v2("messages/get", key=other_key)
    assert [m["subject"] for m in inbox["messages"]] == ["hi"]
    url = await raw.v2("support/create-ticket", {"options": {"email": "a@b.co", "subject": "s"}})
    assert "url" in url
    assert len((await raw.v2("support/tickets"))["tickets"]) == 1
    pid = emu.create_project()
    q = {"query": {"public_paths": {"project_id": pid, "path": "pub", "description": "d"}}}
    assert await raw.v2("user-query", q) == {"query": {}}
    listing = await raw.v2("public-paths/listing-cached")
    assert [(r["project_id"], r["path"]) for r in listing] == [(pid, "pub")]
    assert await raw.v2("public-paths/star", {"id": listing[0]["id"]}) == {}


async def test_latex_answers_like_the_server(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    doc = "\\documentclass{article}\\begin{document}hi\\end{document}"
    got = await raw.v2("latex", {"project_id": pid, "path": "a.tex", "content": doc, "timeout": 20})
    assert "error" not in got  # a failed compile is no top-level error (latex.ts:109)
    if "url" not in got:  # no latexmk here: the project's error replies, as the real hub sends
        assert got["compile"]["event"] == "error"
        assert got["compile"]["error"].startswith("Error executing command 'latexmk ")
        assert got["pdf"]["event"] == "error"
    else:
        assert got["compile"]["event"] == "project_exec_output"
    assert (emu.project_dir(pid) / "a.tex").read_text() == doc
