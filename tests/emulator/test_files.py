"""Path traversal and symlink escapes are refused, and nothing outside is touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)

ESCAPES = ["../outside.txt", "../../etc/passwd", "a/../../outside.txt", "/../outside.txt"]


@pytest.mark.parametrize("path", ESCAPES)
async def test_traversal_refused_everywhere(raw: Raw, emu: Emulator, path: str) -> None:
    pid = emu.create_project()
    outside = emu.project_dir(pid).parent / "outside.txt"
    _, body = await raw.v1(
        "write_text_file_to_project", {"project_id": pid, "path": path, "content": "x"}
    )
    assert body["event"] == "error"
    assert body["error"]["code"] == "EACCES"
    assert not outside.exists()
    _, body = await raw.v1("read_text_file_from_project", {"project_id": pid, "path": path})
    assert body["error"]["code"] == "EACCES"
    got = await raw.v2(
        "projects/write-text-file", {"project_id": pid, "path": path, "content": "x"}
    )
    assert got["error"].startswith("EACCES: permission denied")
    got = await raw.project("system.readTextFileFromProject", [{"path": path}], project_id=pid)
    assert got["error"].startswith("Error: EACCES")  # the project answers ${err}
    assert not outside.exists()


async def test_symlink_escape_refused(raw: Raw, emu: Emulator, tmp_path: Path) -> None:
    pid = emu.create_project()
    target = tmp_path / "victim.txt"
    target.write_text("untouched")
    os.symlink(target, emu.project_dir(pid) / "link.txt")
    os.symlink(tmp_path, emu.project_dir(pid) / "dirlink")
    _, body = await raw.v1("read_text_file_from_project", {"project_id": pid, "path": "link.txt"})
    assert body["error"]["code"] == "EACCES"
    _, body = await raw.v1(
        "write_text_file_to_project", {"project_id": pid, "path": "dirlink/new.txt", "content": "x"}
    )
    assert body["error"]["code"] == "EACCES"
    assert target.read_text() == "untouched"
    assert sorted(os.listdir(tmp_path)) == ["victim.txt"]


async def test_inside_paths_work(raw: Raw, emu: Emulator) -> None:
    pid = emu.create_project()
    _, body = await raw.v1(
        "write_text_file_to_project", {"project_id": pid, "path": "d/../ok.txt", "content": "y"}
    )
    assert body["event"] == "file_written_to_project"
    assert (emu.project_dir(pid) / "ok.txt").read_text() == "y"
