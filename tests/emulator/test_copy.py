"""Copies run in the background and really copy; every option, status and delete."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import pytest

from cocalc_async.testing import Emulator

from .emulator_helpers import Raw

# these tests exercise the removed API v1, which the emulator serves only when asked
pytestmark = pytest.mark.emulator_settings(v1=True)


async def _until_done(raw: Raw, copy_id: str) -> dict[str, Any]:
    for _ in range(200):
        _, body = await raw.v1("copy_path_status", {"copy_path_id": copy_id})
        if body["data"].get("finished"):
            return dict(body["data"])
        await asyncio.sleep(0.01)
    raise AssertionError("copy never finished")


def _projects(emu: Emulator) -> tuple[str, str]:
    src, dst = emu.create_project(title="src"), emu.create_project(title="dst")
    d = emu.project_dir(src) / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("new a")
    (d / "sub" / "b.txt").write_text("b")
    (d / "x.sage-history").write_text("hist")
    return src, dst


async def _copy(raw: Raw, src: str, dst: str, **opts: Any) -> dict[str, Any]:
    body = {"src_project_id": src, "src_path": "dir", "target_project_id": dst, **opts}
    _, resp = await raw.v1("copy_path_between_projects", body)
    assert resp["event"] == "copy_path_between_projects_response", resp
    return await _until_done(raw, resp["copy_path_id"])


async def test_copy_status_lifecycle(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    body = {"src_project_id": src, "src_path": "dir", "target_project_id": dst}
    _, resp = await raw.v1("copy_path_between_projects", body)
    _, pending = await raw.v1("copy_path_status", {"target_project_id": dst})
    assert [op["copy_path_id"] for op in pending["data"]] == [resp["copy_path_id"]]
    op = await _until_done(raw, resp["copy_path_id"])
    assert "error" not in op
    assert (emu.project_dir(dst) / "dir" / "sub" / "b.txt").read_text() == "b"
    _, pending = await raw.v1("copy_path_status", {"target_project_id": dst})
    assert pending["data"] == []
    _, done = await raw.v1(
        "copy_path_status", {"target_project_id": dst, "pending": False, "limit": 5}
    )
    assert len(done["data"]) == 1
    _, bad = await raw.v1("copy_path_status", {"target_project_id": dst, "limit": 5000})
    assert bad["error"] == "ILLEGAL VALUE limit='5000' (must be in [0, 1000])"
    _, none = await raw.v1("copy_path_status", {})
    assert none["error"].startswith("'copy_path_id' (UUID) of a copy operation")


async def test_overwrite_newer(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    target = emu.project_dir(dst) / "dir" / "a.txt"
    target.parent.mkdir()
    target.write_text("newer target")
    future = time.time() + 100
    os.utime(target, (future, future))
    await _copy(raw, src, dst)
    assert target.read_text() == "newer target"
    await _copy(raw, src, dst, overwrite_newer=True)
    assert target.read_text() == "new a"


async def test_delete_missing_and_backup(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    stale = emu.project_dir(dst) / "dir" / "stale.txt"
    stale.parent.mkdir()
    stale.write_text("old")
    (emu.project_dir(dst) / "dir" / "a.txt").write_text("old a")
    os.utime(emu.project_dir(dst) / "dir" / "a.txt", (1, 1))
    await _copy(raw, src, dst, backup=True)
    assert stale.exists()
    assert (emu.project_dir(dst) / "dir" / "a.txt~").read_text() == "old a"
    await _copy(raw, src, dst, delete_missing=True)
    assert not stale.exists()
    assert (emu.project_dir(dst) / "dir" / "a.txt").read_text() == "new a"


async def test_exclude_history_is_refused_by_the_v1_validator(raw: Raw, emu: Emulator) -> None:
    # message.js lost the field on 2021-07-17 (beac52edd1): misc.defaults rejects it
    src, dst = _projects(emu)
    body = {"src_project_id": src, "src_path": "dir", "target_project_id": dst}
    status, resp = await raw.v1("copy_path_between_projects", {**body, "exclude_history": True})
    assert status == 400
    assert resp["error"].startswith(
        "invalid parameters 'Error: misc.defaults -- TypeError: got an unexpected argument"
        " 'exclude_history'"
    )
    assert not (emu.project_dir(dst) / "dir").exists()
    await _copy(raw, src, dst)
    assert (emu.project_dir(dst) / "dir" / "x.sage-history").exists()


async def test_failed_copy_and_failed_filter(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    body = {"src_project_id": src, "src_path": "missing", "target_project_id": dst}
    _, resp = await raw.v1("copy_path_between_projects", body)
    op = await _until_done(raw, resp["copy_path_id"])
    assert "ENOENT" in op["error"]
    _, failed = await raw.v1("copy_path_status", {"src_project_id": src, "failed": "true"})
    assert [o["copy_path_id"] for o in failed["data"]] == [resp["copy_path_id"]]
    _, waited = await raw.v1("copy_path_between_projects", {**body, "wait_until_done": True})
    assert waited["event"] == "error"


async def test_wait_until_done_gives_empty_id(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    body = {
        "src_project_id": src,
        "src_path": "dir",
        "target_project_id": dst,
        "wait_until_done": True,
    }
    _, resp = await raw.v1("copy_path_between_projects", body)
    assert resp["copy_path_id"] == ""
    assert (emu.project_dir(dst) / "dir" / "a.txt").exists()


async def test_copy_path_delete(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    later = "2099-01-01T00:00:00.000Z"
    body = {"src_project_id": src, "src_path": "dir", "target_project_id": dst, "scheduled": later}
    _, resp = await raw.v1("copy_path_between_projects", body)
    cid = resp["copy_path_id"]
    _, deleted = await raw.v1("copy_path_delete", {"copy_path_id": cid})
    assert deleted["data"] == f"copy_path_id = '{cid}' deleted"
    _, again = await raw.v1("copy_path_delete", {"copy_path_id": cid})
    assert again["error"] == f"Copy operation '{cid}' either does not exist or already finished"


async def test_v2_copy_and_status(raw: Raw, emu: Emulator) -> None:
    src, dst = _projects(emu)
    base = {"src_project_id": src, "path": "dir", "target_project_id": dst}
    assert await raw.v2("projects/copy-path", base) == {"copy_id": ""}
    got = await raw.v2(
        "projects/copy-path", {**base, "target_path": "d2", "wait_until_done": False}
    )
    status = await raw.v2("projects/copy-path-status", {"copy_id": got["copy_id"]})
    assert set(status) == {"started", "finished", "copy_error"}
    for _ in range(200):
        status = await raw.v2("projects/copy-path-status", {"copy_id": got["copy_id"]})
        if status["finished"]:
            break
        await asyncio.sleep(0.01)
    assert status["copy_error"] is None
    assert (emu.project_dir(dst) / "d2" / "a.txt").exists()


async def test_copy_access(raw: Raw, emu: Emulator) -> None:
    src, _ = _projects(emu)
    _, key = emu.create_account()
    own = emu.create_project(emu.store.resolve_key(key).account_id)  # type: ignore[union-attr]
    body = {"src_project_id": src, "src_path": "dir", "target_project_id": own}
    _, resp = await raw.v1("copy_path_between_projects", body, key=key)
    assert resp["error"] == f"ACCESS BLOCKED -- No read access to source project -- {src}"


async def test_close_waits_for_a_copy_thread_before_the_files_go(tmp_path: Any) -> None:
    """Closing mid-copy must not remove the project files under a copy thread still writing
    (an emulator's teardown once failed with "Directory not empty" this way)."""
    import threading

    from cocalc_async.testing.copy import CopyService
    from cocalc_async.testing.files import ProjectFiles
    from cocalc_async.testing.store import Store

    files = ProjectFiles(None)
    service = CopyService(Store(), files, delay=0)
    started, finished = threading.Event(), threading.Event()

    def slow_copy(row: dict[str, Any], within: str | None) -> None:
        started.set()
        time.sleep(0.3)
        (files.root / "written-after-cancel").write_text("x")
        finished.set()

    service._copy = slow_copy  # type: ignore[method-assign]
    service.start(
        source_project_id=str(uuid.uuid4()),
        source_path="a",
        target_project_id=str(uuid.uuid4()),
        target_path="a",
        public=0,
        exclude="[]",
        exclude_history=0,
        overwrite_newer=0,
        backup=0,
    )
    assert await asyncio.to_thread(started.wait, 5)
    await service.close()
    assert finished.is_set()  # close() returned only after the thread's last write
    files.close()
    assert not files.root.exists()
