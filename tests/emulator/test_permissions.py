"""The permission matrix: owner, collaborator, stranger, and a project key of another project."""

from __future__ import annotations

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


@pytest.fixture
def setup(emu: Emulator) -> dict[str, str]:
    pid = emu.create_project(title="private")
    (emu.project_dir(pid) / "secret.txt").write_text("s3cret")
    collab, collab_key = emu.create_account("Col", "Lab")
    emu.add_collaborator(pid, collab)
    stranger, stranger_key = emu.create_account("Str", "Anger")
    other_pid = emu.create_project(title="other")
    return {
        "pid": pid,
        "owner": emu.api_key,
        "collab": collab_key,
        "stranger": stranger_key,
        "stranger_id": stranger,
        "own_pkey": emu.create_project_key(pid),
        "other_pkey": emu.create_project_key(other_pid),
    }


ALLOWED = {"owner": True, "collab": True, "own_pkey": True, "stranger": False, "other_pkey": False}


@pytest.mark.parametrize("who", list(ALLOWED))
async def test_v1_read(raw: Raw, setup: dict[str, str], who: str) -> None:
    _, body = await raw.v1(
        "read_text_file_from_project",
        {"project_id": setup["pid"], "path": "secret.txt"},
        key=setup[who],
    )
    if ALLOWED[who]:
        assert body["content"] == "s3cret"
    else:
        assert body["event"] == "error"
        assert body["error"].endswith(f"does not have read access to project {setup['pid']}")


@pytest.mark.parametrize("who", list(ALLOWED))
async def test_v1_exec_write_access(raw: Raw, setup: dict[str, str], who: str) -> None:
    _, body = await raw.v1(
        "project_exec", {"project_id": setup["pid"], "command": "true"}, key=setup[who]
    )
    assert (body["event"] == "project_exec_output") is ALLOWED[who]


async def test_v1_stranger_wording(raw: Raw, setup: dict[str, str]) -> None:
    _, body = await raw.v1(
        "write_text_file_to_project",
        {"project_id": setup["pid"], "path": "a", "content": "b"},
        key=setup["stranger"],
    )
    assert (
        body["error"]
        == f"User {setup['stranger_id']} does not have write access to project {setup['pid']}"
    )


@pytest.mark.parametrize("who", list(ALLOWED))
async def test_v2_and_conat(raw: Raw, setup: dict[str, str], who: str) -> None:
    got = await raw.v2(
        "exec",
        {"project_id": setup["pid"], "command": "cat", "args": ["secret.txt"]},
        key=setup[who],
    )
    if ALLOWED[who]:
        assert got["stdout"] == "s3cret"
    else:
        assert got == {"error": "user must be a collaborator on the project"}
    got = await raw.project(
        "system.readTextFileFromProject",
        [{"path": "secret.txt"}],
        key=setup[who],
        project_id=setup["pid"],
    )
    assert (got == "s3cret") is ALLOWED[who]


async def test_stranger_cannot_read_non_public_path(
    raw: Raw, emu: Emulator, setup: dict[str, str]
) -> None:
    (emu.project_dir(setup["pid"]) / "pub").mkdir()
    (emu.project_dir(setup["pid"]) / "pub" / "ok.txt").write_text("public")
    emu.store.set_public_path(setup["pid"], "pub")
    args = {"project_id": setup["pid"], "path": "pub/ok.txt"}
    _, body = await raw.v1("public_get_text_file", args, key=setup["stranger"])
    assert body["data"] == "public"
    _, body = await raw.v1(
        "public_get_text_file", {**args, "path": "secret.txt"}, key=setup["stranger"]
    )
    assert body["error"] == f"path 'secret.txt' of project with id '{setup['pid']}' is not public"


async def test_project_key_dies_with_membership(raw: Raw, emu: Emulator) -> None:
    member, _ = emu.create_account()
    pid = emu.create_project(member)
    pkey = emu.create_project_key(pid, member)
    assert (await raw.v1("ping", key=pkey))[0] == 200
    emu.store.remove_user(pid, member)
    emu.ctx.keys.invalidate()
    assert (await raw.v1("ping", key=pkey))[0] == 400
