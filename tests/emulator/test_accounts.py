"""Accounts as the real hub keeps them: admin-only sign-up with a key, project keys, who may
delete a project, and email invitations that turn into membership when the account appears."""

from __future__ import annotations

import aiohttp

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

STRONG = "a-long-password-3"
NOT_TRUSTED = "Error: Only users in the group 'admin' are allowed to create new users."


def _signup(email: str, password: str = STRONG, **extra: object) -> dict[str, object]:
    """A body the v2 schema accepts (SignUpInputSchema wants the names, or anonymous)."""
    body = {"terms": True, "email": email, "password": password, "firstName": "F",
            "lastName": "L"}  # fmt: skip
    return {**body, **extra}


async def test_sign_up_checks_fields_before_trust(raw: Raw) -> None:
    # recorded: the fields are judged first, even for a key that may not create accounts
    weak = await raw.v2("auth/sign-up", _signup("x@example.com", "short"))
    assert weak == {"issues": {"password": "Your password must not be very easy to guess."}}
    refused = await raw.v2("auth/sign-up", _signup("x@example.com"))
    assert refused == {"issues": {"api": NOT_TRUSTED}}
    bad = await raw.v2("auth/sign-up", _signup("nope", terms=False), key=None)
    assert bad["issues"] == {
        "terms": "You must agree to the terms of usage.",
        "email": "You must provide a valid email address -- 'nope' is not valid.",
    }
    too_easy = await raw.v2("auth/sign-up", _signup("y@example.com", "password"), key=None)
    # recorded: flow-course-instructor/signup-weak (zxcvbn-ts's English texts)
    assert too_easy["issues"] == {
        "password": "Password is too weak. This is a heavily used password.\n"
        " Add more words that are less common."
    }


async def test_admin_key_creates_accounts_and_email_taken(raw: Raw, emu: Emulator) -> None:
    _, admin_key = emu.create_account("Adam", "Admin", admin=True)
    made = await raw.v2(
        "auth/sign-up", _signup("New@Example.com", firstName="N", lastName=""), key=admin_key
    )
    row = emu.store.account(made["account_id"])
    assert row is not None
    assert row["email_address"] == "new@example.com"
    assert row["first_name"] == "N"
    assert row["last_name"].startswith("User-")  # sign-up.ts:80-82
    # the same email and password signs in instead of failing
    again = await raw.v2("auth/sign-up", _signup("new@example.com"), key=admin_key)
    assert again == {"account_id": made["account_id"]}
    taken = await raw.v2("auth/sign-up", _signup("new@example.com", "other-pass-99!"), key=None)
    assert taken == {"issues": {"email": 'Email address "new@example.com" already in use.'}}
    # an account with no invitation gets its first project, started
    projects = emu.store.projects_of(made["account_id"])
    assert [(p["title"], p["state"]) for p in projects] == [("My First Project", "running")]
    anonymous = await raw.v2("auth/sign-up", {"terms": True, "anonymous": True}, key=admin_key)
    assert anonymous == {
        "issues": {"api": "Creation of anonymous accounts via the API is not allowed."}
    }


async def test_project_key_sees_only_its_project(raw: Raw, emu: Emulator) -> None:
    mine, other = emu.create_project(title="a"), emu.create_project(title="b")
    key = emu.create_project_key(mine)
    assert (await raw.project("system.test", key=key))["project_id"] == mine
    wrong = await raw.project("system.ping", key=key, project_id=other)
    assert wrong == {"error": "project specific api key must match requested project"}
    assert await raw.hub("system.ping", key=key) == {
        "error": "must be signed in and MUST provide an api key (cookies are not allowed)"
    }
    # recorded: flow-project-key (second recording)
    exec_other = await raw.v2("exec", {"project_id": other, "command": "true"}, key=key)
    assert exec_other == {"error": "user must be a collaborator on the project"}
    own = await raw.v2("exec", {"project_id": mine, "command": "echo hi", "bash": True}, key=key)
    assert own["stdout"] == "hi\n"
    pwd = await raw.project("system.exec", [{"command": "pwd", "bash": True}], key=key)
    assert pwd["stdout"] == f"{emu.project_dir(mine)}\n"
    assert await raw.v2("projects/get", {"project_id": mine}, key=key) == []
    assert await raw.v2(
        "user-query", {"query": {"projects": {"project_id": mine, "title": None}}}, key=key
    ) == {
        "error": "FATAL: you do not have read access to this project --"
        f" account_id={mine}, project_id_=undefined"
    }
    assert await raw.v2("api-keys", {"action": "get"}, key=key) == {
        "error": "account_id is not a valid account"
    }


async def test_delete_project_collaborator_yes_stranger_no(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project(title="doomed")
    collab, collab_key = emu.create_account("C", "C")
    _, stranger_key = emu.create_account("S", "S")
    emu.add_collaborator(pid, collab)
    body = {"project_id": pid}
    stranger = await raw.v2("projects/delete", body, key=stranger_key)
    assert stranger == {"error": "must be an owner to delete a project"}
    via_conat = await raw.hub("projects.deleteProject", [body], key=stranger_key)
    assert via_conat == {"error": "Error: must be an owner to delete a project"}
    assert emu.store.project(pid)["deleted"] == 0  # type: ignore[index]
    # the hub lets any collaborator delete (src/packages/server/projects/delete.ts:46-51)
    assert await raw.v2("projects/delete", body, key=collab_key) == {"status": "ok"}
    assert emu.store.project(pid)["deleted"] == 1  # type: ignore[index]
    bad = await raw.hub("projects.deleteProject", [{"project_id": "x"}])
    assert bad == {"error": "Error: project_id must be a valid UUID"}


async def test_invite_without_account_then_sign_up_joins(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project(title="course-student")
    opts = {
        "project_id": pid,
        "title": "course-student",
        "link2proj": f"https://cocalc.example/projects/{pid}",
        "to": "Student.One@example.com; s2@example.com",
        "email": "<p>join us</p>",
    }
    assert await raw.hub("projects.inviteCollaboratorWithoutAccount", [{"opts": opts}]) is None
    invites = emu.invites(pid)
    assert [(i["email_address"], i["pending"]) for i in invites] == [
        ("student.one@example.com", True),
        ("s2@example.com", True),
    ]
    assert invites[0]["invited_by"] == emu.account_id
    # the hub shows the sent invitations in the project's invite field
    q = {"query": {"projects": {"project_id": pid, "invite": None}}}
    shown = (await raw.hub("db.userQuery", [q]))["projects"]["invite"]
    assert sorted(shown) == ["s2@example.com", "student.one@example.com"]
    assert shown["s2@example.com"]["time"].endswith("Z")
    # the invitee signs up later (no key: a browser) and is a collaborator at once
    made = await raw.v2("auth/sign-up", _signup("student.one@example.com"), key=None)
    student = str(made["account_id"])
    assert emu.store.group_of(student, pid) == "collaborator"
    # invited somewhere, so no "My First Project"; the invited project is started
    assert [p["project_id"] for p in emu.store.projects_of(student)] == [pid]
    assert emu.store.project(pid)["state"] == "running"  # type: ignore[index]
    assert [i["pending"] for i in emu.invites(pid)] == [False, True]
    # an address that already has an account is added directly
    known, _ = emu.create_account("K", "K", email_address="known@example.com")
    again = {**opts, "to": "known@example.com"}
    assert await raw.hub("projects.inviteCollaboratorWithoutAccount", [{"opts": again}]) is None
    assert emu.store.group_of(known, pid) == "collaborator"
    # the helper for tests creates accounts through the same path
    later, _ = emu.create_account("L", "L", email_address="s2@example.com")
    assert emu.store.group_of(later, pid) == "collaborator"


async def test_invite_errors(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    q = {"query": {"projects": {"project_id": pid, "invite": None}}}
    assert (await raw.hub("db.userQuery", [q]))["projects"]["invite"] is None
    _, stranger_key = emu.create_account("S", "S")
    base = {"project_id": pid, "title": "t", "link2proj": "l", "email": "e"}
    name = "projects.inviteCollaboratorWithoutAccount"
    out = await raw.hub(name, [{"opts": {**base, "to": "a@b.co"}}], key=stranger_key)
    assert out == {"error": "Error: user must be a collaborator"}
    assert await raw.hub(name, [{"opts": {**base, "to": "not-an-email"}}]) == {
        "error": "Error: invalid email address 'not-an-email'"
    }
    assert await raw.hub(name, [{"opts": {**base, "to": "a" * 1025}}]) == {
        "error": "Error: Specify less recipients when adding collaborators to project."
    }
    assert await raw.hub(name, [{"opts": base}]) == {
        "error": "TypeError: Cannot read properties of undefined (reading 'length')"
    }
    assert await raw.hub(name, [{}]) == {
        "error": "TypeError: Cannot read properties of undefined (reading 'project_id')"
    }
    assert emu.invites(pid) == []


async def test_invite_collaborator_with_account(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    other, _ = emu.create_account("O", "O", email_address="o@example.com")
    opts = {"project_id": pid, "account_id": other, "title": "t", "email": "<p>hi</p>"}
    assert await raw.hub("projects.inviteCollaborator", [{"opts": opts}]) is None
    assert emu.store.group_of(other, pid) == "collaborator"
    assert [i["email_address"] for i in emu.invites(pid)] == ["o@example.com"]
    # a second invite within a day sends no second email
    first = emu.invites(pid)[0]["time"]
    assert await raw.hub("projects.inviteCollaborator", [{"opts": opts}]) is None
    assert [i["time"] for i in emu.invites(pid)] == [first]


async def test_v1_noncloud_invite_joins_on_sign_up() -> None:
    async with Emulator(v1=True) as emu, aiohttp.ClientSession() as session:
        raw = Raw(emu, session)
        pid = emu.create_project()
        body = {"project_id": pid, "to": "late@example.com", "email": "hi", "title": "t",
                "link2proj": "l"}  # fmt: skip
        status, out = await raw.v1("invite_noncloud_collaborators", body)
        assert (status, out["event"]) == (200, "invite_noncloud_collaborators_resp")
        late, _ = emu.create_account("L", "L", email_address="late@example.com")
        assert emu.store.group_of(late, pid) == "collaborator"


async def test_an_admin_is_no_collaborator(raw: Raw, emu: Emulator) -> None:
    """is-collaborator.ts has no admin case: an admin may delete any project (delete.ts asks
    for the group itself) but runs nothing in a project it is not a member of."""
    pid = emu.create_project()
    _, admin = emu.create_account("A", "A", admin=True)
    assert await raw.v2("exec", {"project_id": pid, "command": "true"}, key=admin) == {
        "error": "user must be a collaborator on the project"
    }
    assert await raw.project("system.ping", project_id=pid, key=admin) == {
        "error": "user must be a collaborator on the project"
    }
    assert await raw.v2("projects/delete", {"project_id": pid}, key=admin) == {"status": "ok"}


async def test_admin_may_restore_and_list_any_project(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    _, admin = emu.create_account("A", "A", admin=True)
    _, stranger = emu.create_account("S", "S")
    emu.store.update_project(pid, deleted=1)
    body = {"project_id": pid}
    assert await raw.v2("projects/restore", body, key=stranger) == {
        "error": "must be an owner to restore a project"
    }
    assert await raw.v2("projects/restore", body, key=admin) == {"status": "ok"}
    assert emu.store.project(pid)["deleted"] == 0  # type: ignore[index]
    listed = await raw.v2("projects/collaborators/list", body, key=admin)
    assert [c["account_id"] for c in listed] == [emu.account_id]


async def test_the_database_lets_admins_into_project_groups(raw: Raw, emu: Emulator) -> None:
    """user_is_in_project_group has an admin fallback (recorded: admin-hub-uq-p1,
    admin-hub-addCollaborator-p1): user queries and adding collaborators work for admins."""
    pid = emu.create_project(title="P1")
    admin_id, admin = emu.create_account("A", "A", admin=True)
    q = {"query": {"projects": {"project_id": pid, "title": None}}}
    assert await raw.hub("db.userQuery", [q], key=admin) == {
        "projects": {"project_id": pid, "title": "P1"}
    }
    add_self = [{"opts": {"project_id": pid, "account_id": admin_id}}]
    assert await raw.hub("projects.addCollaborator", add_self, key=admin) == {"project_id": [pid]}
    assert emu.store.group_of(admin_id, pid) == "collaborator"
