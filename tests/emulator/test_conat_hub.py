"""Every conat hub function (src/packages/conat/hub/api/*.ts @5cb3315c30), called over HTTP,
with the result shapes and error texts of its server implementation."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from cocalc_async.testing import Emulator, conat

from .emulator_helpers import Raw

#: The hub's API as CoCalc declares it: 57 functions.
HUB_API = {
    "system": ["getCustomize", "ping", "test", "terminate", "userTracking", "logClientError",
               "webappError", "manageApiKeys", "generateUserAuthToken", "revokeUserAuthToken",
               "userSearch", "getNames", "adminResetPasswordLink", "sendEmailVerification",
               "deletePassport", "adminSalesloftSync", "userSalesloftSync"],
    "projects": ["createProject", "copyPathBetweenProjects", "removeCollaborator",
                 "addCollaborator", "inviteCollaborator", "inviteCollaboratorWithoutAccount",
                 "changeUserType", "setQuotas", "start", "stop", "deleteProject", "touch",
                 "state", "status"],
    "db": ["userQuery", "touch", "getLegacyTimeTravelInfo", "getLegacyTimeTravelPatches",
           "fileUseTimes", "removeBlobTtls"],
    "purchases": ["getBalance", "getMinBalance"],
    "messages": ["send", "get"],
    "jupyter": ["kernels", "execute"],
    "org": ["getAll", "create", "get", "set", "addAdmin", "addUser", "createUser", "createToken",
            "expireToken", "getUsers", "message", "removeUser", "removeAdmin"],
    "sync": ["history"],
}  # fmt: skip


def test_the_hub_serves_exactly_cocalcs_functions() -> None:
    names = {f"{group}.{fn}" for group, fns in HUB_API.items() for fn in fns}
    assert len(names) == 57
    assert set(conat.HUB) == names


async def test_unknown_function_and_keys(raw: Raw) -> None:
    assert await raw.hub("nope.nothing") == {"error": "Error: unknown function 'nope.nothing'"}
    assert await raw.hub("system.ping", key=None) == {
        "error": "You must provide authentication via an API key."
    }
    status, body = await raw.post(
        "/api/conat/hub", {"name": "system.ping"}, key=None, headers={"Authorization": "Token x"}
    )
    assert (status, body) == (200, {"error": "Unknown authorization type 'Token'"})


async def test_system_functions(raw: Raw, emu: Emulator) -> None:
    full = await raw.hub("system.getCustomize")
    assert full["siteName"] == "Open CoCalc"
    assert full["jupyterApiEnabled"] is False
    assert await raw.hub("system.getCustomize", [["siteName", "nope"]]) == {
        "siteName": "Open CoCalc"
    }
    assert await raw.hub("system.terminate", [{"service": "api"}]) == {
        "error": "only admin can terminate"
    }
    for name in ("system.userTracking", "system.webappError", "system.sendEmailVerification",
                 "system.deletePassport", "system.userSalesloftSync"):  # fmt: skip
        assert await raw.hub(name, [{"event": "x", "value": {}}]) is None, name
    assert await raw.hub("system.logClientError", [{"event": "e", "error": "boom"}]) is None
    assert "boom" in emu.store.client_errors()[-1]["error"]
    assert await raw.hub("system.adminSalesloftSync", [{"account_ids": []}]) == {
        "error": "Error: must be an admin"
    }
    assert await raw.hub(
        "system.adminResetPasswordLink", [{"user_account_id": emu.account_id}]
    ) == {"error": "Error: must be an admin"}


async def test_admin_only_system_functions(raw: Raw, emu: Emulator) -> None:
    _, admin = emu.create_account("Ad", "Min", "admin@example.com", admin=True)
    assert await raw.hub("system.terminate", [{"service": "api"}], key=admin) == {
        "status": "terminated",
        "service": "api",
    }
    assert await raw.hub("system.terminate", [{"service": "x"}], key=admin) == {
        "error": "Unknown service x"
    }
    link = await raw.hub(
        "system.adminResetPasswordLink", [{"user_account_id": emu.account_id}], key=admin
    )
    assert re.fullmatch(r"/auth/password-reset/[0-9a-f-]{36}", link)
    assert await raw.hub("system.adminSalesloftSync", [{"account_ids": []}], key=admin) is None
    token = await raw.hub(
        "system.generateUserAuthToken", [{"user_account_id": emu.account_id}], key=admin
    )
    assert emu.store.resolve_auth_token(token) == emu.account_id
    assert await raw.hub("system.revokeUserAuthToken", [token]) is None
    assert emu.store.resolve_auth_token(token) is None


async def test_generate_user_auth_token_needs_the_password(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account("O", "O", "o@example.com", password="pw-of-other-1")
    ask = [{"user_account_id": other, "password": "wrong"}]
    assert await raw.hub("system.generateUserAuthToken", ask) == {
        "error": "Error: incorrect password"
    }
    right = [{"user_account_id": other, "password": "pw-of-other-1"}]
    banned = await raw.hub("system.generateUserAuthToken", right)
    assert banned["error"].startswith("Error: banned -- please wait")


async def test_manage_api_keys(raw: Raw, emu: Emulator) -> None:
    made = await raw.hub("system.manageApiKeys", [{"action": "create", "name": "ci"}])
    assert list(made[0]) == ["id", "account_id", "expire", "created", "name", "last_active",
                             "trunc", "secret"]  # fmt: skip
    secret = made[0]["secret"]
    assert made[0]["trunc"] == secret[:3] + "..." + secret[-6:]
    assert (await raw.hub("system.test", key=secret))["account_id"] == emu.account_id
    listed = await raw.hub("system.manageApiKeys", [{"action": "get"}])
    assert made[0]["id"] in [k["id"] for k in listed]
    assert all("secret" not in k for k in listed)
    edit = [{"action": "edit", "id": made[0]["id"], "name": "renamed"}]
    assert await raw.hub("system.manageApiKeys", edit) is None
    one = await raw.hub("system.manageApiKeys", [{"action": "get", "id": made[0]["id"]}])
    assert one[0]["name"] == "renamed"
    assert (
        await raw.hub("system.manageApiKeys", [{"action": "delete", "id": made[0]["id"]}]) is None
    )
    assert "error" in await raw.hub("system.test", key=secret)
    missing = await raw.hub("system.manageApiKeys", [{"action": "edit", "id": 99999}])
    assert missing == {"error": "Error: no api key with id 99999"}
    pid = emu.create_project()
    _, stranger = emu.create_account("S", "S")
    refused = await raw.hub(
        "system.manageApiKeys", [{"action": "get", "project_id": pid}], key=stranger
    )
    assert refused == {
        "error": "Error: user must be collaborator on project to manage project_id api keys"
    }
    # a project key is listed with the project, not among the account's own keys
    await raw.hub("system.manageApiKeys", [{"action": "create", "project_id": pid}])
    assert len(await raw.hub("system.manageApiKeys", [{"action": "get", "project_id": pid}])) == 1
    assert await raw.v2("api-keys", {"action": "delete", "id": 12345}) == {}


async def test_user_search_and_names(raw: Raw, emu: Emulator) -> None:
    other, _ = emu.create_account("Grace", "Hopper", "grace@example.com")
    by_email = await raw.hub("system.userSearch", [{"query": "grace@example.com"}])
    assert [h["account_id"] for h in by_email] == [other]
    assert list(by_email[0]) == ["account_id", "first_name", "last_name", "name", "email_address",
                                 "last_active", "created", "email_address_verified"]  # fmt: skip
    assert isinstance(by_email[0]["created"], int)  # ms since the epoch
    by_name = await raw.hub("system.userSearch", [{"query": "gra hop"}])
    assert [h["account_id"] for h in by_name] == [other]
    assert "email_address" not in by_name[0]
    # words are substrings of a name; queries split at commas (search.ts, parse_user_search)
    by_part = await raw.hub("system.userSearch", [{"query": "race, nobody-at-all"}])
    assert [h["account_id"] for h in by_part] == [other]
    assert await raw.hub("system.userSearch", [{"query": 5}]) == []
    v2 = await raw.v2("accounts/search", {"query": "grace@example.com"}, key=None)
    assert v2 == by_email
    assert await raw.hub("system.userSearch", [{"query": "x", "admin": True}]) == {
        "error": "Error: Must be an admin to do admin search."
    }
    gone = "99999999-8888-4777-8666-555555555555"
    assert await raw.hub("system.getNames", [[other, gone]]) == {
        other: {"first_name": "Grace", "last_name": "Hopper", "profile": None},
        gone: {"first_name": "Deleted", "last_name": "User"},  # recorded: hubfn-getNames
    }
    assert await raw.hub("system.getNames", [[other, "not-an-id"]]) == {
        "error": 'error: invalid input syntax for type uuid: "not-an-id"'
    }


async def test_project_life_cycle(raw: Raw, emu: Emulator) -> None:
    pid = await raw.hub("projects.createProject", [{"title": "t"}])
    one = [{"project_id": pid}]
    assert await raw.hub("projects.status", one) == {}  # not running
    assert await raw.hub("projects.start", one) is None
    state = await raw.hub("projects.state", one)
    assert list(state) == ["ip", "state", "time"]
    assert state["state"] == "running"
    status = await raw.hub("projects.status", one)
    assert sorted(status) == ["browser-server.port", "hub-server.port", "project.pid",
                              "session_id", "start_ts"]  # fmt: skip
    assert await raw.hub("projects.status", one) == status  # stable while it runs
    assert await raw.hub("projects.touch", one) is None
    assert await raw.hub("projects.stop", one) is None
    assert (await raw.hub("projects.state", one))["state"] == "opened"
    _, stranger = emu.create_account("S", "S")
    for name, verb in (("start", "start it"), ("stop", "stop it"), ("touch", "touch it"),
                       ("state", "get state"), ("status", "get status")):  # fmt: skip
        assert await raw.hub(f"projects.{name}", one, key=stranger) == {
            "error": f"Error: must be collaborator on project to {verb}"
        }
    assert await raw.hub("projects.state", [{"project_id": "x"}]) == {
        "error": "Error: invalid account_id or project_id -- all must be valid uuid's"
    }


async def test_change_user_type_and_quotas(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    other, other_key = emu.create_account("O", "O")
    emu.add_collaborator(pid, other)
    change = {"project_id": pid, "target_account_id": other, "new_group": "owner"}
    assert await raw.hub("projects.changeUserType", [{"opts": change}], key=other_key) == {
        "error": "OwnershipError: Only project owners can change user types"
    }
    assert await raw.hub("projects.changeUserType", [{"opts": change}]) is None
    assert emu.store.group_of(other, pid) == "owner"
    demote = {"project_id": pid, "target_account_id": other, "new_group": "collaborator"}
    assert await raw.hub("projects.changeUserType", [{"opts": demote}]) is None
    last = {"project_id": pid, "target_account_id": emu.account_id, "new_group": "collaborator"}
    assert await raw.hub("projects.changeUserType", [{"opts": last}]) == {
        "error": "OwnershipError: Cannot change the last owner to collaborator."
        " At least one owner is required."
    }
    quotas = [{"project_id": pid, "memory": 2000}]
    assert await raw.hub("projects.setQuotas", quotas) == {
        "error": "Error: Must be an admin to do admin search."
    }
    _, admin = emu.create_account("A", "A", admin=True)
    assert await raw.hub("projects.setQuotas", quotas, key=admin) is None
    assert emu.store.project_settings(pid) == {"memory": 2000}


async def test_add_remove_collaborator_errors(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    other, other_key = emu.create_account("O", "O")
    opts = [{"opts": {"project_id": pid, "account_id": other}}]
    # adding oneself is allowed only through a course (collab.ts verify_course_access)
    assert await raw.hub("projects.addCollaborator", opts, key=other_key) == {
        "error": f'Error: cannot add self to "{pid}" -- must be an admin'
    }
    third, _ = emu.create_account("T", "T")
    by_stranger = [{"opts": {"project_id": pid, "account_id": third}}]
    assert await raw.hub("projects.addCollaborator", by_stranger, key=other_key) == {
        "error": f"Error: user {other} does not have write access to project {pid}"
    }
    bad = [{"opts": {"project_id": pid, "account_id": "bob"}}]
    assert await raw.hub("projects.addCollaborator", bad) == {
        "error": "Error: all account id's must be valid uuid's, but \"bob\" is not"
    }
    # v2 add/remove use the same checks, with err.message (no class name)
    body = {"project_id": pid, "account_id": third}
    assert await raw.v2("projects/collaborators/add", body, key=other_key) == {
        "error": f"user {other} does not have write access to project {pid}"
    }
    owner = {"project_id": pid, "account_id": emu.account_id}
    assert await raw.v2("projects/collaborators/remove", owner) == {
        "error": "Cannot remove an owner. Demote to collaborator first."
    }
    me = [{"opts": {"project_id": pid, "account_id": emu.account_id}}]
    assert await raw.hub("projects.removeCollaborator", me) == {
        "error": "OwnershipError: Cannot remove an owner. Demote to collaborator first."
    }
    assert await raw.hub("projects.removeCollaborator", opts, key=other_key) == {
        "error": "Error: user must be a collaborator"
    }


async def test_db_purchases_messages_jupyter_sync(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    q = {"query": {"accounts": {"account_id": None, "first_name": None}}}
    assert await raw.hub("db.userQuery", [q]) == {
        "accounts": {"account_id": emu.account_id, "first_name": "Ada"}
    }
    assert await raw.hub("db.touch", [{"project_id": pid}]) is None
    assert emu.store.account(emu.account_id)["last_active"] is not None  # type: ignore[index]
    assert await raw.hub("db.getLegacyTimeTravelInfo", [{"project_id": pid, "path": "a"}]) == {
        "uuid": ""
    }
    patches = await raw.hub("db.getLegacyTimeTravelPatches", [{"uuid": pid}])
    assert patches["error"].startswith("TypeError: ")
    assert await raw.hub("db.fileUseTimes", [{"project_id": pid, "path": "a"}]) == {
        "target_account_id": emu.account_id,
        "access_times": [],
    }
    assert await raw.hub("db.removeBlobTtls", [{"uuids": []}]) is None
    assert await raw.hub("purchases.getBalance") == 0
    assert await raw.hub("purchases.getMinBalance") == 0
    other, other_key = emu.create_account("O", "O", "o@example.com")
    sent = await raw.hub(
        "messages.send", [{"to_ids": ["o@example.com"], "subject": "s", "body": "b"}]
    )
    assert isinstance(sent, int)
    got = await raw.hub("messages.get", [{}], key=other_key)
    assert [(m["id"], m["from_id"], m["to_ids"]) for m in got] == [(sent, emu.account_id, [other])]
    assert list(got[0]) == ["id", "subject", "body", "from_id", "to_ids", "sent", "thread_id",
                            "read", "saved", "deleted"]  # fmt: skip
    assert await raw.hub("messages.get", [{"limit": 501}]) == {
        "error": "Error: limit must be at most 500"
    }
    assert await raw.hub("messages.send", [{"to_ids": [pid], "subject": "s"}]) == {
        "error": f"Error: invalid account_id -- {pid}"
    }
    assert await raw.hub("jupyter.kernels", [{}]) == {
        "error": "Error: Jupyter API is not enabled on this server."
    }
    assert await raw.hub("jupyter.kernels", [{"project_id": pid}]) == []
    assert await raw.hub("jupyter.execute", [{"input": "2+3"}]) == {
        "error": "Error: kernel must be specified in hash is not specified"
    }
    assert await raw.hub("sync.history", [{"project_id": pid, "path": "a.txt"}]) == {
        "patches": [],
        "info": {},
    }
    _, stranger = emu.create_account("S", "S")
    assert await raw.hub("sync.history", [{"project_id": pid, "path": "a"}], key=stranger) == {
        "error": "Error: user must be collaborator on source project"
    }


async def test_organizations(raw: Raw, emu: Emulator) -> None:
    assert await raw.hub("org.getAll", [{}]) == {"error": "Error: must be a site admin"}
    assert await raw.hub("org.create", [{"name": "uni"}]) == {
        "error": "Error: only admins may create organizations"
    }
    _, admin = emu.create_account("A", "A", "a@example.com", admin=True)
    org_id = await raw.hub("org.create", [{"name": "uni"}], key=admin)
    assert isinstance(org_id, str)
    assert await raw.hub("org.create", [{"name": "uni"}], key=admin) == {
        "error": "Error: name uni is already used by some account or organization"
    }
    assert await raw.hub("org.set", [{"name": "uni", "title": "U"}], key=admin) is None
    assert (await raw.hub("org.get", [{"name": "uni"}], key=admin))["title"] == "U"
    assert await raw.hub("org.get", [{"name": "uni"}]) == {
        "error": "Error: user must be an admin of the organization or site-admin"
    }
    # the seeded instructor becomes the organization's admin, and may then manage it
    assert (
        await raw.hub("org.addAdmin", [{"name": "uni", "user": emu.account_id}], key=admin) is None
    )
    student = await raw.hub(
        "org.createUser", [{"name": "uni", "email": "s@uni.example", "firstName": "S",
                            "lastName": "T", "password": "pw-pw-pw-pw"}],
    )  # fmt: skip
    users = await raw.hub("org.getUsers", [{"name": "uni"}])
    assert sorted(u["account_id"] for u in users) == sorted([emu.account_id, student])
    token = await raw.hub("org.createToken", [{"user": "s@uni.example"}])
    assert token["url"] == f"/auth/impersonate?auth_token={token['token']}"
    assert emu.store.resolve_auth_token(token["token"]) == student
    assert await raw.hub("org.expireToken", [{"token": token["token"]}]) is None
    assert emu.store.resolve_auth_token(token["token"]) is None
    assert await raw.hub("org.message", [{"name": "uni", "subject": "hi", "body": "b"}]) is None
    assert await raw.hub("org.removeUser", [{"name": "uni", "user": emu.account_id}]) == {
        "error": "Error: admin cannot be removed from org; first remove them from being an admin"
    }
    assert await raw.hub("org.removeAdmin", [{"name": "uni", "user": emu.account_id}]) is None
    assert await raw.hub("org.addUser", [{"name": "uni", "user": student}]) == {
        "error": "Error: only site admins can add/move a user to an org right now"
    }
    assert await raw.hub("org.removeUser", [{"name": "uni", "user": student}], key=admin) is None
    assert [o["name"] for o in await raw.hub("org.getAll", [{}], key=admin)] == ["uni"]


async def test_bridge_timeout_past_the_bodys_timeout(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    body = {"name": "system.exec", "project_id": pid, "timeout": 300,
            "args": [{"command": "sleep 2; echo late > late.txt", "bash": True}]}  # fmt: skip
    status, got = await raw.post("/api/conat/project", body)
    assert status == 200
    assert got == {
        "error": f"timeout - callHub: subject='project.{pid}.0.api.-', name='system.exec',"
        " code='408' "
    }
    # the command was not stopped by the bridge giving up
    for _ in range(60):
        if (emu.project_dir(pid) / "late.txt").exists():
            break
        await asyncio.sleep(0.1)
    assert (emu.project_dir(pid) / "late.txt").read_text() == "late\n"


async def test_hub_default_timeout_is_15_s(monkeypatch: pytest.MonkeyPatch, raw: Raw) -> None:
    assert conat.DEFAULT_TIMEOUT_MS == 15000
    monkeypatch.setattr(conat, "DEFAULT_TIMEOUT_MS", 1)

    async def slow(*_: object) -> None:
        await asyncio.sleep(0.5)

    monkeypatch.setitem(conat.HUB, "system.ping", slow)
    got = await raw.hub("system.ping")
    assert re.fullmatch(
        r"timeout - callHub: subject='hub\.account\.[0-9a-f-]{36}\.api', name='system\.ping',"
        r" code='408' ",
        got["error"],
    )


async def test_copy_path_between_projects(raw: Raw, emu: Emulator) -> None:
    src, dest = emu.create_project(), emu.create_project()
    (emu.project_dir(src) / "hw.txt").write_text("hw")
    flat = {"src_project_id": src, "src_path": "hw.txt", "target_project_id": dest}
    assert await raw.hub("projects.copyPathBetweenProjects", [flat]) is None
    assert (emu.project_dir(dest) / "hw.txt").read_text() == "hw"  # target_path defaults
    _, stranger = emu.create_account("S", "S")
    assert await raw.hub("projects.copyPathBetweenProjects", [flat], key=stranger) == {
        "error": "Error: user must be collaborator on source project"
    }
    mine = await raw.hub("projects.createProject", [{"title": "own"}], key=stranger)
    into_other = {"src_project_id": mine, "src_path": "x", "target_project_id": dest}
    assert await raw.hub("projects.copyPathBetweenProjects", [into_other], key=stranger) == {
        "error": "Error: user must be collaborator on target project"
    }


async def test_args_the_hub_cannot_prepare(raw: Raw) -> None:
    """transformArgs' authFirst writes account_id into the first argument; Node's TypeErrors."""
    assert await raw.hub("system.userSearch", ["x"]) == {
        "error": "TypeError: Cannot create property 'account_id' on string 'x'"
    }
    assert await raw.hub("projects.state", [5]) == {
        "error": "TypeError: Cannot create property 'account_id' on number '5'"
    }
    status, got = await raw.post("/api/conat/hub", {"name": "system.test", "args": {"a": 1}})
    assert status == 200
    assert got == {
        "error": "TypeError: Spread syntax requires ...iterable[Symbol.iterator] to be a function"
    }
    # noAuth / requireAccount functions take positional values as they are
    assert "siteName" in await raw.hub("system.getCustomize", [None])
    assert await raw.hub("system.getNames", [[]]) == {}


async def test_user_query_errors_are_the_databases_strings(raw: Raw, emu: Emulator) -> None:
    """Recorded: hub-uq-badtable, hub-uq-stranger (no Error: prefix)."""
    assert await raw.hub("db.userQuery", [{"query": {"nosuchtable": {"x": None}}}]) == {
        "error": "FATAL: get queries not allowed for table 'nosuchtable'"
    }
    pid = emu.create_project()
    stranger, key = emu.create_account("S", "S")
    q = {"query": {"projects": {"project_id": pid, "title": None}}}
    assert await raw.hub("db.userQuery", [q], key=key) == {
        "error": "FATAL: you do not have read access to this project --"
        f" account_id={stranger}, project_id_=undefined"
    }
    assert await raw.v2("user-query", {"query": {"nosuchtable": {"x": 1}}}) == {
        "error": "FATAL: user set queries not allowed for table 'nosuchtable'"
    }


async def test_a_call_the_bridge_gave_up_on_ends_with_the_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ended: list[str] = []

    async def slow(*_: object) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    monkeypatch.setitem(conat.HUB, "system.ping", slow)
    async with Emulator() as emu, aiohttp.ClientSession() as session:
        body = {"name": "system.ping", "timeout": 50}
        _, got = await Raw(emu, session).post("/api/conat/hub", body)
        assert got["error"].startswith("timeout - callHub")
        assert ended == []  # still running after the bridge answered
    assert ended == ["cancelled"]
