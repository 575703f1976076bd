"""Copy operations that really copy, as background jobs with a delay so polling is exercised.

The semantics follow rsync as CoCalc drives it: target files newer than the source are kept
unless ``overwrite_newer``; ``delete_missing`` removes target files the source lacks;
``backup`` keeps a replaced file as ``name~``; ``exclude_history`` skips ``*.sage-history``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fnmatch
import json
import os
import posixpath
import stat
from pathlib import Path
from typing import Any

from ._util import now_iso
from .files import FileError, ProjectFiles, normalize
from .store import Store

HISTORY_PATTERNS = ("*.sage-history",)


class CopyService:
    def __init__(self, store: Store, files: ProjectFiles, delay: float) -> None:
        self.store = store
        self.files = files
        #: Seconds a copy spends queued and then running; tests poll through both states.
        self.delay = delay
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._done: dict[str, asyncio.Event] = {}

    def start(self, **row: Any) -> str:
        copy_id = self.store.insert_copy(**row)
        self._schedule(copy_id)
        return copy_id

    def _schedule(self, copy_id: str) -> None:
        self._done[copy_id] = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._run(copy_id))
        self._tasks[copy_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(copy_id, None))

    def resume_unfinished(self) -> None:
        """After a restart with a data dir, copies that never finished run again."""
        for row in self.store.unfinished_copies():
            self._schedule(str(row["id"]))

    def cancel(self, copy_id: str) -> None:
        task = self._tasks.pop(copy_id, None)
        if task is not None:
            task.cancel()

    async def wait(self, copy_id: str, timeout: float = 240) -> None:
        event = self._done.get(copy_id)
        if event is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, copy_id: str) -> None:
        try:
            row = self.store.copy_row(copy_id)
            if row is None:
                return
            scheduled = row["scheduled"]
            if scheduled:
                when = dt.datetime.fromisoformat(str(scheduled).replace("Z", "+00:00"))
                wait = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)
            await asyncio.sleep(self.delay / 2)
            self.store.update_copy(copy_id, started=now_iso())
            error: str | None = None
            try:
                within: str | None = None
                if row["public"]:
                    # looked up here: the store's SQLite connection belongs to this thread
                    within = self.store.containing_public_path(
                        str(row["source_project_id"]), str(row["source_path"])
                    )
                    if within is None:
                        raise FileError("EACCES", 13, "link_stat", str(row["source_path"]),
                                        "permission denied")  # fmt: skip
                work = asyncio.get_running_loop().run_in_executor(
                    None, self._copy, dict(row), within
                )
                try:
                    await asyncio.shield(work)
                except asyncio.CancelledError:
                    # A thread cannot be stopped: close() must not remove the project files
                    # while this copy is still writing into them.
                    with contextlib.suppress(Exception):
                        await work
                    raise
            except FileError as err:
                error = f"rsync: {err}"
            except OSError as err:
                error = f"rsync: {err.strerror or err} (code {err.errno})"
            await asyncio.sleep(self.delay / 2)
            if self.store.copy_row(copy_id) is not None:
                self.store.update_copy(copy_id, finished=now_iso(), error=error)
        finally:
            event = self._done.pop(copy_id, None)
            if event is not None:
                event.set()

    def _copy(self, row: dict[str, Any], within: str | None) -> None:
        """Copy through ``ProjectFiles`` only, so every read and write is confined: the source
        to its project (or, for a public copy, to the shared directory), the target to its
        project. Symlinks are not followed out: one that resolves outside the source root is
        skipped, as is anything that is neither a file nor a directory."""
        files = self.files
        src_pid, dst_pid = str(row["source_project_id"]), str(row["target_project_id"])
        src_path = str(row["source_path"])
        target_path = str(row["target_path"] or src_path)
        src = files.resolve(src_pid, src_path, "link_stat", within=within)
        # the target's last component is not followed: a symlink there gets replaced
        clean_target = normalize(target_path)
        dst_parent = files.resolve(dst_pid, posixpath.dirname(clean_target) or ".")
        dst = dst_parent / posixpath.basename(clean_target) if clean_target else dst_parent
        src_home = files.home(src_pid).resolve()
        dst_home = files.home(dst_pid).resolve()
        root = src_home if within is None else files.resolve(src_pid, within, within=within)
        if not src.exists():
            raise FileError("ENOENT", 2, "link_stat", src_path, "no such file or directory")
        patterns = list(json.loads(row["exclude"] or "[]"))
        if row["exclude_history"]:
            patterns.extend(HISTORY_PATTERNS)
        opts = (bool(row["overwrite_newer"]), bool(row["backup"]))

        def copy_one(source: Path, target: Path) -> None:
            _copy_file(files, src_pid, source.relative_to(src_home).as_posix(), within,
                       dst_pid, target, dst_home, *opts)  # fmt: skip

        if src.is_file():
            copy_one(src, dst)
            return
        wanted: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(src):  # never descends into a symlink
            rel_dir = Path(dirpath).relative_to(src)
            dirnames[:] = [d for d in dirnames if not _excluded(d, patterns)]
            wanted.add(rel_dir)
            for name in filenames:
                source = Path(dirpath) / name
                if _excluded(name, patterns) or not _inside(source.resolve(), root):
                    continue
                wanted.add(rel_dir / name)
                copy_one(source, dst / rel_dir / name)
            for name in dirnames:
                if os.path.islink(Path(dirpath) / name):
                    continue  # os.walk does not descend into it; neither does the copy
                # an empty directory still arrives, as with rsync
                files.mkdir(dst_pid, (dst / rel_dir / name).relative_to(dst_home).as_posix())
        if row["delete_missing"]:
            _delete_missing(files, dst_pid, dst, dst_home, wanted, patterns)


def _inside(candidate: Path, root: Path) -> bool:
    return candidate == root or root in candidate.parents


def _excluded(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def _copy_file(
    files: ProjectFiles,
    src_pid: str,
    src_rel: str,
    within: str | None,
    dst_pid: str,
    dst: Path,
    dst_home: Path,
    overwrite_newer: bool,
    backup: bool,
) -> None:
    dst_rel = dst.relative_to(dst_home).as_posix()
    source = files.resolve(src_pid, src_rel, within=within)
    if not source.is_file():
        return  # a fifo, a device or a dangling link: rsync would not copy it as data either
    mtime = source.stat().st_mtime
    try:
        existing: os.stat_result | None = os.lstat(dst)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISREG(existing.st_mode):
        if not overwrite_newer and existing.st_mtime > mtime:
            return  # rsync --update: a newer target wins
        if backup:
            files.move(dst_pid, dst_rel, dst_rel + "~")
    # follow=False: a symlink in the target is replaced, never written through (as rsync does)
    data = files.read_bytes(src_pid, src_rel, within=within)
    files.write_bytes(dst_pid, dst_rel, data, mtime, follow=False)


def _delete_missing(
    files: ProjectFiles,
    project_id: str,
    dst: Path,
    dst_home: Path,
    wanted: set[Path],
    patterns: list[str],
) -> None:
    for dirpath, dirnames, filenames in os.walk(dst, topdown=False):
        rel_dir = Path(dirpath).relative_to(dst)
        for name in [*filenames, *dirnames]:
            if (rel_dir / name) not in wanted and not _excluded(name, patterns):
                rel = (Path(dirpath) / name).relative_to(dst_home).as_posix()
                with contextlib.suppress(FileError):
                    files.delete(project_id, rel)
