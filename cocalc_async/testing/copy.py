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
import shutil
from pathlib import Path
from typing import Any

from ._util import now_iso
from .files import FileError, ProjectFiles
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
                await asyncio.to_thread(self._copy, dict(row))
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

    def _copy(self, row: dict[str, Any]) -> None:
        src_path = str(row["source_path"])
        target_path = row["target_path"] or src_path
        src = self.files.resolve(row["source_project_id"], src_path)
        dst = self.files.resolve(row["target_project_id"], str(target_path))
        if not src.exists():
            raise FileError("ENOENT", 2, "link_stat", src_path, "no such file or directory")
        patterns = list(json.loads(row["exclude"] or "[]"))
        if row["exclude_history"]:
            patterns.extend(HISTORY_PATTERNS)
        opts = (bool(row["overwrite_newer"]), bool(row["backup"]))
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            _copy_file(src, dst, *opts)
            return
        wanted: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(src):
            rel_dir = Path(dirpath).relative_to(src)
            dirnames[:] = [d for d in dirnames if not _excluded(d, patterns)]
            (dst / rel_dir).mkdir(parents=True, exist_ok=True)
            wanted.add(rel_dir)
            for name in filenames:
                if _excluded(name, patterns):
                    continue
                wanted.add(rel_dir / name)
                _copy_file(Path(dirpath) / name, dst / rel_dir / name, *opts)
        if row["delete_missing"]:
            _delete_missing(dst, wanted, patterns)


def _excluded(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def _copy_file(src: Path, dst: Path, overwrite_newer: bool, backup: bool) -> None:
    if dst.exists():
        if not overwrite_newer and dst.stat().st_mtime > src.stat().st_mtime:
            return  # rsync --update: a newer target wins
        if backup:
            os.replace(dst, dst.with_name(dst.name + "~"))
    shutil.copy2(src, dst)


def _delete_missing(dst: Path, wanted: set[Path], patterns: list[str]) -> None:
    for dirpath, dirnames, filenames in os.walk(dst, topdown=False):
        rel_dir = Path(dirpath).relative_to(dst)
        for name in filenames:
            if (rel_dir / name) not in wanted and not _excluded(name, patterns):
                (Path(dirpath) / name).unlink()
        for name in dirnames:
            if (rel_dir / name) not in wanted and not _excluded(name, patterns):
                shutil.rmtree(Path(dirpath) / name, ignore_errors=True)
