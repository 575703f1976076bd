"""Every file operation stays inside its root: the project, or for a public path the shared
directory. Each case here was an escape before (``..`` through a public path, a symlink in a
shared directory, a planted temp-file symlink, symlinks followed by copies)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocalc_async.testing import Emulator
from cocalc_async.testing.files import FileError, ProjectFiles, normalize

from .emulator_helpers import Raw


@pytest.fixture
def shared(emu: Emulator) -> dict[str, str]:
    """A project with ``shared/`` published and a private file next to it, plus a stranger."""
    pid = emu.create_project()
    home = emu.project_dir(pid)
    (home / "shared").mkdir()
    (home / "shared" / "ok.txt").write_text("public")
    (home / "private.txt").write_text("s3cret")
    emu.store.set_public_path(pid, "shared")
    stranger, key = emu.create_account(email_address="stranger@example.com")
    return {"pid": pid, "stranger": stranger, "key": key, "own": emu.create_project(stranger)}


@pytest.mark.emulator_settings(v1=True)
@pytest.mark.parametrize("path", ["shared/../private.txt", "shared/./../private.txt"])
async def test_public_dotdot_is_not_public(raw: Raw, shared: dict[str, str], path: str) -> None:
    pid = shared["pid"]
    args = {"project_id": pid, "path": path}
    _, body = await raw.v1("public_get_text_file", args, key=shared["key"])
    assert body["event"] == "error"
    assert body["error"] == f"path '{path}' of project with id '{pid}' is not public"
    assert "s3cret" not in str(body)
    _, body = await raw.v1(
        "public_get_directory_listing", {"project_id": pid, "path": "shared/.."}, key=shared["key"]
    )
    assert body["event"] == "error"
    assert "private.txt" not in str(body)


@pytest.mark.emulator_settings(v1=True)
async def test_public_symlink_to_private_file_refused(
    raw: Raw, emu: Emulator, shared: dict[str, str]
) -> None:
    pid = shared["pid"]
    os.symlink("../private.txt", emu.project_dir(pid) / "shared" / "leak.txt")
    _, body = await raw.v1(
        "public_get_text_file", {"project_id": pid, "path": "shared/leak.txt"}, key=shared["key"]
    )
    assert body["event"] == "error"
    assert body["error"]["code"] == "EACCES"
    assert "s3cret" not in str(body)
    # the legitimate file next to it still reads
    _, body = await raw.v1(
        "public_get_text_file", {"project_id": pid, "path": "shared/ok.txt"}, key=shared["key"]
    )
    assert body["data"] == "public"


async def test_public_copy_of_dotdot_refused(
    raw: Raw, emu: Emulator, shared: dict[str, str]
) -> None:
    body = {
        "src_project_id": shared["pid"],
        "target_project_id": shared["own"],
        "path": "shared/../private.txt",
        "target_path": "got.txt",
        "public_id": "x",
    }
    got = await raw.v2("projects/copy-path", body, key=shared["key"])
    assert "not public" in got["error"]
    assert not (emu.project_dir(shared["own"]) / "got.txt").exists()


async def test_public_copy_skips_symlink_to_private(
    raw: Raw, emu: Emulator, shared: dict[str, str]
) -> None:
    os.symlink("../private.txt", emu.project_dir(shared["pid"]) / "shared" / "leak.txt")
    body = {
        "src_project_id": shared["pid"],
        "target_project_id": shared["own"],
        "path": "shared",
        "public_id": "x",
    }
    got = await raw.v2("projects/copy-path", body, key=shared["key"])
    assert got == {"copy_id": ""}
    copied = emu.project_dir(shared["own"]) / "shared"
    assert (copied / "ok.txt").read_text() == "public"
    assert not (copied / "leak.txt").exists()


async def test_copy_does_not_follow_symlinks_out(raw: Raw, emu: Emulator, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    src, dst = emu.create_project(), emu.create_project()
    (emu.project_dir(src) / "d").mkdir()
    (emu.project_dir(src) / "d" / "a.txt").write_text("new")
    os.symlink(tmp_path / "outside-secret", emu.project_dir(src) / "d" / "out.txt")
    (tmp_path / "outside-secret").write_text("outside")
    # the target holds a symlink where the copy will write: it must not write through it
    (emu.project_dir(dst) / "d").mkdir()
    os.symlink(victim, emu.project_dir(dst) / "d" / "a.txt")
    body = {"src_project_id": src, "target_project_id": dst, "path": "d"}
    got = await raw.v2("projects/copy-path", body)
    assert got == {"copy_id": ""}
    assert victim.read_text() == "untouched"
    assert not (emu.project_dir(dst) / "d" / "out.txt").exists()


async def test_write_through_planted_temp_symlink(raw: Raw, emu: Emulator, tmp_path: Path) -> None:
    pid = emu.create_project()
    home = emu.project_dir(pid)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    # the old code wrote to ".<name>.emulator-tmp" and followed whatever was there
    os.symlink(victim, home / ".notes.txt.emulator-tmp")
    got = await raw.v2(
        "projects/write-text-file", {"project_id": pid, "path": "notes.txt", "content": "mine"}
    )
    assert got == {"status": "ok"}
    assert (home / "notes.txt").read_text() == "mine"
    assert victim.read_text() == "untouched"
    leftovers = [n for n in os.listdir(home) if n.endswith(".emulator-tmp")]
    assert leftovers == [".notes.txt.emulator-tmp"]  # only the planted link, never ours


async def test_listing_and_reads_in_hub_form(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    (emu.project_dir(pid) / "d").mkdir()
    got = await raw.project("system.listing", [{"path": "../"}], project_id=pid)
    # the conat bridge may prefix "Error: " (a thrown Error); the Node text is what matters
    assert got["error"].endswith("EACCES: permission denied, scandir '../'")
    got = await raw.project(
        "system.readTextFileFromProject", [{"path": "nope.txt"}], project_id=pid
    )
    assert got["error"].endswith("ENOENT: no such file or directory, open 'nope.txt'")
    got = await raw.project("system.readTextFileFromProject", [{"path": "d"}], project_id=pid)
    assert got["error"].endswith("EISDIR: illegal operation on a directory, read 'd'")


# -- ProjectFiles directly: delete, move, odd names --------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> ProjectFiles:
    return ProjectFiles(tmp_path / "projects")


def test_delete_and_move_are_confined(files: ProjectFiles, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    home = files.home("p")
    os.symlink(outside, home / "link")
    files.delete("p", "link")  # removes the link, not what it points at
    assert outside.read_text() == "keep"
    assert not (home / "link").exists()
    for bad in ("../outside.txt", "a/../../outside.txt"):
        with pytest.raises(FileError) as info:
            files.delete("p", bad)
        assert info.value.node_error["code"] == "EACCES"
        with pytest.raises(FileError):
            files.move("p", bad, "in.txt")
        with pytest.raises(FileError):
            files.move("p", "x", bad)
    assert outside.read_text() == "keep"
    files.write_text("p", "a.txt", "a")
    files.move("p", "a.txt", "sub/b.txt")
    assert (home / "sub" / "b.txt").read_text() == "a"
    with pytest.raises(FileError) as info:
        files.delete("p", "")
    assert info.value.node_error["code"] == "EACCES"


def test_symlinked_parent_directory_refused(files: ProjectFiles, tmp_path: Path) -> None:
    out = tmp_path / "outdir"
    out.mkdir()
    os.symlink(out, files.home("p") / "d")
    for op in (
        lambda: files.write_text("p", "d/x.txt", "x"),
        lambda: files.mkdir("p", "d/sub"),
        lambda: files.listing("p", "d"),
        lambda: files.move("p", "d/x", "e"),
    ):
        with pytest.raises(FileError) as info:
            op()
        assert info.value.node_error["code"] == "EACCES"
    assert os.listdir(out) == []


@pytest.mark.parametrize(
    ("path", "code"), [("a\x00b", "EACCES"), ("x" * 5000, "ENAMETOOLONG"), ("..", "EACCES")]
)
def test_odd_paths_are_typed(path: str, code: str) -> None:
    with pytest.raises(FileError) as info:
        normalize(path)
    assert info.value.node_error["code"] == code


def test_normalize_keeps_inside_paths() -> None:
    assert normalize("/a/./b/../c.txt") == "a/c.txt"
    assert normalize("") == ""
    assert normalize("/") == ""


_segments = st.sampled_from(["..", ".", "", "a", "b", "link", "out", "x.txt", "\x00", "é"])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_segments, max_size=8), lead=st.booleans())
def test_no_path_resolves_outside(parts: list[str], lead: bool) -> None:
    """Whatever the path, a read, a write, a listing either stays in the project or fails with
    a FileError, and the directory next to the project is never written."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside = root / "out"
        outside.mkdir()
        files = ProjectFiles(root / "projects")
        home = files.home("p").resolve()
        (home / "a").mkdir()
        os.symlink(outside, home / "link")
        os.symlink("../../out", home / "a" / "out")
        path = ("/" if lead else "") + "/".join(parts)
        with contextlib.suppress(FileError):
            assert home in [files.resolve("p", path), *files.resolve("p", path).parents]
        for op in (
            lambda: files.write_text("p", path, "x"),
            lambda: files.read_text("p", path),
            lambda: files.listing("p", path),
            lambda: files.mkdir("p", path + "/new"),
        ):
            with contextlib.suppress(FileError):
                op()
        assert os.listdir(outside) == []
