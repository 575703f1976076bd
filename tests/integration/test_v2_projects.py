"""v2 ``projects/*`` and ``projects/collaborators/*`` through ``client.v2.projects``."""

from __future__ import annotations

import pytest

from cocalc_async.errors import CoCalcAPIError
from cocalc_async.models.common import StatusResponse
from cocalc_async.models.copy import CopyPathStarted, CopyPathStatus
from cocalc_async.models.projects import Collaborator, ProjectCreated, ProjectRef, ProjectSummary

from .harness import Env, Key, case, family, run


def _state(env: Env) -> str:
    row = env.emu.store.project(env.project_id)
    assert row is not None
    return str(row["state"])


@case("v2", "projects/create")
async def create(env: Env) -> None:
    out = await env.client.v2.projects.create(title="v2 project", description="made by v2")
    assert isinstance(out, ProjectCreated)
    row = env.emu.store.project(out.project_id)
    assert row is not None
    assert row["title"] == "v2 project"


@case("v2", "projects/get")
async def get(env: Env) -> None:
    out = await env.client.v2.projects.get(limit=10)
    assert isinstance(out, list)
    assert all(isinstance(p, ProjectSummary) for p in out)
    assert [(p.project_id, p.title) for p in out] == [(env.project_id, "Integration")]


@case("v2", "projects/get-one")
async def get_one(env: Env) -> None:
    out = await env.client.v2.projects.get_one()
    assert isinstance(out, ProjectRef)
    assert out.project_id == env.project_id


@case("v2", "projects/update")
async def update(env: Env) -> None:
    out = await env.client.v2.projects.update(
        project_id=env.project_id, title="Renamed", description="new"
    )
    assert isinstance(out, StatusResponse)
    assert out.ok
    row = env.emu.store.project(env.project_id)
    assert row is not None
    assert (row["title"], row["description"]) == ("Renamed", "new")


@case("v2", "projects/start")
async def start(env: Env) -> None:
    out = await env.client.v2.projects.start(project_id=env.project_id)
    assert isinstance(out, StatusResponse)
    assert _state(env) == "running"


@case("v2", "projects/stop")
async def stop(env: Env) -> None:
    await env.client.v2.projects.start(project_id=env.project_id)
    out = await env.client.v2.projects.stop(project_id=env.project_id)
    assert isinstance(out, StatusResponse)
    assert _state(env) != "running"


@case("v2", "projects/touch")
async def touch(env: Env) -> None:
    out = await env.client.v2.projects.touch(project_id=env.project_id)
    assert isinstance(out, StatusResponse)
    assert out.status is None  # the real route answers {}
    _other, key = env.other_account()
    with pytest.raises(CoCalcAPIError, match="must be a collaborator"):
        await env.client_for(key).v2.projects.touch(project_id=env.project_id)


@case("v2", "projects/delete")
async def delete(env: Env) -> None:
    out = await env.client.v2.projects.delete(project_id=env.project_id)
    assert isinstance(out, StatusResponse)
    row = env.emu.store.project(env.project_id)
    assert row is not None
    assert row["deleted"]


@case("v2", "projects/restore")
async def restore(env: Env) -> None:
    await env.client.v2.projects.delete(project_id=env.project_id)
    out = await env.client.v2.projects.restore(project_id=env.project_id)
    assert isinstance(out, StatusResponse)
    row = env.emu.store.project(env.project_id)
    assert row is not None
    assert not row["deleted"]


@case("v2", "projects/write-text-file")
async def write_text_file(env: Env) -> None:
    out = await env.client.v2.projects.write_text_file(
        project_id=env.project_id, path="v2/hello.txt", content="hi"
    )
    assert isinstance(out, StatusResponse)
    assert (env.emu.project_dir(env.project_id) / "v2/hello.txt").read_text() == "hi"


@case("v2", "projects/copy-path")
async def copy_path(env: Env) -> None:
    (env.emu.project_dir(env.project_id) / "c.txt").write_text("copy")
    target = env.emu.create_project(title="target")
    out = await env.client.v2.projects.copy_path(
        src_project_id=env.project_id, path="c.txt", target_project_id=target
    )
    assert isinstance(out, CopyPathStarted)
    assert out.done  # wait_until_done defaults to true: the copy already happened
    assert (env.emu.project_dir(target) / "c.txt").read_text() == "copy"


@case("v2", "projects/copy-path-status")
async def copy_path_status(env: Env) -> None:
    (env.emu.project_dir(env.project_id) / "c.txt").write_text("copy")
    target = env.emu.create_project(title="target")
    started = await env.client.v2.projects.copy_path(
        src_project_id=env.project_id, path="c.txt", target_project_id=target, wait_until_done=False
    )
    assert started.copy_id
    out = await env.client.v2.projects.copy_path_status(copy_id=started.copy_id)
    assert isinstance(out, CopyPathStatus)
    assert out.state in ("queued", "running")
    done = await env.client.wait_for_copy_v2(started.copy_id, interval=0.02, wait_timeout=10)
    assert done.state == "succeeded"


@case("v2", "projects/collaborators/list")
async def collaborators_list(env: Env) -> None:
    other, _ = env.other_account()
    env.emu.add_collaborator(env.project_id, other)
    out = await env.client.v2.projects.collaborators.list(project_id=env.project_id)
    assert all(isinstance(c, Collaborator) for c in out)
    assert {c.account_id for c in out} == {env.emu.account_id, other}


@case("v2", "projects/collaborators/add")
async def collaborators_add(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v2.projects.collaborators.add(
        project_id=env.project_id, account_id=other
    )
    assert isinstance(out, StatusResponse)
    assert env.emu.store.is_collaborator(other, env.project_id)


@case("v2", "projects/collaborators/remove")
async def collaborators_remove(env: Env) -> None:
    other, _ = env.other_account()
    env.emu.add_collaborator(env.project_id, other)
    out = await env.client.v2.projects.collaborators.remove(
        project_id=env.project_id, account_id=other
    )
    assert isinstance(out, StatusResponse)
    assert not env.emu.store.is_collaborator(other, env.project_id)
    with pytest.raises(CoCalcAPIError, match="Cannot remove an owner"):
        await env.client.v2.projects.collaborators.remove(
            project_id=env.project_id, account_id=env.emu.account_id
        )


@case("v2", "projects/collaborators/change-user-type")
async def collaborators_change_user_type(env: Env) -> None:
    other, _key = env.other_account()
    env.emu.add_collaborator(env.project_id, other)
    out = await env.client.v2.projects.collaborators.change_user_type(
        project_id=env.project_id, target_account_id=other, new_group="owner"
    )
    assert isinstance(out, StatusResponse)
    assert out.ok
    assert env.emu.store.group_of(other, env.project_id) == "owner"


@pytest.mark.parametrize("key", family("v2", ("projects/",)), ids=lambda k: k[1])
async def test_v2_projects(key: Key) -> None:
    await run(key)
