"""The conat bridge: ``client.conat.hub.*`` and ``client.conat.project.*``."""

from __future__ import annotations

from datetime import datetime

import pytest

from cocalc_async.errors import CoCalcAPIError
from cocalc_async.models.accounts import AccountName, AccountSearchHit
from cocalc_async.models.exec import ExecResult
from cocalc_async.models.files import DirectoryEntry
from cocalc_async.models.misc import ConatPong, ConatWhoAmI, Message
from cocalc_async.models.projects import ProjectState

from .harness import Env, Key, case, family, run


@case("conat/hub", "system.ping")
async def hub_ping(env: Env) -> None:
    out = await env.client.conat.hub.system.ping()
    assert isinstance(out, ConatPong)
    assert isinstance(out.now, datetime)


@case("conat/hub", "system.test")
async def hub_test(env: Env) -> None:
    out = await env.client.conat.hub.system.test()
    assert isinstance(out, ConatWhoAmI)
    assert (out.account_id, out.project_id) == (env.emu.account_id, None)
    assert isinstance(out.server_time, datetime)


@case("conat/hub", "system.getNames")
async def hub_get_names(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.conat.hub.system.get_names(account_ids=[other])
    assert out == {other: AccountName(first_name="Grace", last_name="Hopper")}


@case("conat/hub", "system.userSearch")
async def hub_user_search(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.conat.hub.system.user_search(query="grace.hopper@example.com")
    assert all(isinstance(h, AccountSearchHit) for h in out)
    assert [h.account_id for h in out] == [other]


@case("conat/hub", "projects.createProject")
async def hub_create_project(env: Env) -> None:
    pid = await env.client.conat.hub.projects.create_project(title="conat")
    assert isinstance(pid, str)
    row = env.emu.store.project(pid)
    assert row is not None
    assert row["title"] == "conat"


@case("conat/hub", "projects.addCollaborator")
async def hub_add_collaborator(env: Env) -> None:
    other, _ = env.other_account()
    await env.client.conat.hub.projects.add_collaborator(
        project_id=env.project_id, account_id=other
    )
    assert env.emu.store.is_collaborator(other, env.project_id)
    body = env.emu.requests.for_endpoint("conat/hub")[-1].body
    assert body["args"] == [{"opts": {"project_id": env.project_id, "account_id": other}}]


@case("conat/hub", "projects.removeCollaborator")
async def hub_remove_collaborator(env: Env) -> None:
    other, _ = env.other_account()
    env.emu.add_collaborator(env.project_id, other)
    await env.client.conat.hub.projects.remove_collaborator(
        project_id=env.project_id, account_id=other
    )
    assert not env.emu.store.is_collaborator(other, env.project_id)


def _state(env: Env) -> str:
    row = env.emu.store.project(env.project_id)
    assert row is not None
    return str(row["state"])


@case("conat/hub", "projects.start")
async def hub_start(env: Env) -> None:
    await env.client.conat.hub.projects.start(project_id=env.project_id)
    assert _state(env) == "running"


@case("conat/hub", "projects.stop")
async def hub_stop(env: Env) -> None:
    await env.client.conat.hub.projects.start(project_id=env.project_id)
    await env.client.conat.hub.projects.stop(project_id=env.project_id)
    assert _state(env) != "running"


@case("conat/hub", "projects.state")
async def hub_state(env: Env) -> None:
    await env.client.conat.hub.projects.start(project_id=env.project_id)
    out = await env.client.conat.hub.projects.state(project_id=env.project_id)
    assert isinstance(out, ProjectState)
    assert out.state == "running"
    assert isinstance(out.time, datetime)


@case("conat/hub", "projects.touch")
async def hub_touch(env: Env) -> None:
    await env.client.conat.hub.projects.touch(project_id=env.project_id)
    assert env.emu.requests.for_endpoint("conat/hub")[-1].body["name"] == "projects.touch"


@case("conat/hub", "projects.copyPathBetweenProjects")
async def hub_copy(env: Env) -> None:
    # Flat fields, as CoCalc's UserCopyOptions and the official client send them.
    (env.emu.project_dir(env.project_id) / "c.txt").write_text("conat copy")
    target = env.emu.create_project(title="target")
    await env.client.conat.hub.projects.copy_path_between_projects(
        src_project_id=env.project_id, src_path="c.txt", target_project_id=target
    )
    assert (env.emu.project_dir(target) / "c.txt").read_text() == "conat copy"


@case("conat/hub", "db.userQuery")
async def hub_user_query(env: Env) -> None:
    out = await env.client.conat.hub.db.user_query(query={"accounts": {"last_name": None}})
    assert out == {"accounts": {"last_name": "Instructor"}}


@case("conat/hub", "messages.send")
async def hub_messages_send(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.conat.hub.messages.send(subject="Hi", body="b", to_ids=[other])
    assert isinstance(out, int)


@case("conat/hub", "messages.get")
async def hub_messages_get(env: Env) -> None:
    other, key = env.other_account()
    await env.client_for(key).conat.hub.messages.send(
        subject="Q", body="?", to_ids=[env.emu.account_id]
    )
    out = await env.client.conat.hub.messages.get(limit=5)
    assert all(isinstance(m, Message) for m in out)
    assert [(m.from_id, m.to_ids, m.subject) for m in out] == [(other, [env.emu.account_id], "Q")]
    assert isinstance(out[0].sent, datetime)


@case("conat/project", "system.ping")
async def project_ping(env: Env) -> None:
    out = await env.client.conat.project.system.ping(env.project_id)
    assert isinstance(out, ConatPong)
    assert isinstance(out.now, datetime)


@case("conat/project", "system.test")
async def project_test(env: Env) -> None:
    out = await env.client.conat.project.system.test(env.project_id)
    assert isinstance(out, ConatWhoAmI)
    assert (out.project_id, out.account_id) == (env.project_id, None)


@case("conat/project", "system.writeTextFileToProject")
async def project_write(env: Env) -> None:
    project = env.client.conat.project.system
    await project.write_text_file_to_project(env.project_id, path="w/n.txt", content="hé")
    assert (env.emu.project_dir(env.project_id) / "w" / "n.txt").read_text() == "hé"


@case("conat/project", "system.readTextFileFromProject")
async def project_read(env: Env) -> None:
    (env.emu.project_dir(env.project_id) / "r.txt").write_text("read me")
    project = env.client.conat.project.system
    assert await project.read_text_file_from_project(env.project_id, path="r.txt") == "read me"
    with pytest.raises(CoCalcAPIError, match="ENOENT"):
        await project.read_text_file_from_project(env.project_id, path="missing.txt")


@case("conat/project", "system.listing")
async def project_listing(env: Env) -> None:
    root = env.emu.project_dir(env.project_id)
    (root / "sub").mkdir()
    (root / "a.txt").write_text("12345")
    (root / ".hidden").write_text("")
    entries = await env.client.conat.project.system.listing(env.project_id, path="")
    by_name = {e.name: e for e in entries}
    assert isinstance(entries[0], DirectoryEntry)
    assert by_name["a.txt"].size == 5
    assert by_name["sub"].isdir
    assert ".hidden" not in by_name
    hidden = await env.client.conat.project.system.listing(env.project_id, path="", hidden=True)
    assert ".hidden" in {e.name for e in hidden}


@case("conat/project", "system.exec")
async def project_exec(env: Env) -> None:
    out = await env.client.conat.project.system.exec(env.project_id, command="echo", args=["c"])
    assert isinstance(out, ExecResult)
    assert (out.stdout, out.exit_code) == ("c\n", 0)
    key = env.emu.create_project_key(env.project_id)
    own = await env.client_for(key).conat.project.system.exec(None, command="pwd")
    assert own.stdout.strip() == str(env.emu.project_dir(env.project_id))


@pytest.mark.parametrize("key", family("conat/hub"), ids=lambda k: k[1])
async def test_conat_hub(key: Key) -> None:
    await run(key)


@pytest.mark.parametrize("key", family("conat/project"), ids=lambda k: k[1])
async def test_conat_project(key: Key) -> None:
    await run(key)
