"""Project files: each project is a real directory, and no path may leave it.

A path is resolved relative to the project's home (absolute paths too, since HOME is the
project's root here), symlinks are followed, and the result must still lie inside the project
directory; otherwise the call fails the way Node fails a forbidden open (``EACCES``), and nothing
outside is read or written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


class FileError(Exception):
    """A Node-style file error; ``node_error`` is the object v1 forwards unchanged (§10.2)."""

    def __init__(self, code: str, errno: int, syscall: str, path: str, text: str) -> None:
        super().__init__(f"{code}: {text}, {syscall} '{path}'")
        self.node_error: dict[str, Any] = {
            "errno": -errno,
            "code": code,
            "syscall": syscall,
            "path": path,
        }


def _refused(syscall: str, path: str) -> FileError:
    return FileError("EACCES", 13, syscall, path, "permission denied")


def _missing(syscall: str, path: str) -> FileError:
    return FileError("ENOENT", 2, syscall, path, "no such file or directory")


class ProjectFiles:
    def __init__(self, root: Path | None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cocalc-emulator-")
            root = Path(self._tmp.name)
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def home(self, project_id: str) -> Path:
        home = self.root / project_id
        home.mkdir(exist_ok=True)
        return home

    def resolve(self, project_id: str, path: str, syscall: str = "open") -> Path:
        """The real path of ``path`` inside the project, or ``EACCES`` if it escapes."""
        home = self.home(project_id).resolve()
        candidate = (home / path.lstrip("/")).resolve()
        if candidate != home and home not in candidate.parents:
            raise _refused(syscall, path)
        return candidate

    def read_text(self, project_id: str, path: str) -> str:
        target = self.resolve(project_id, path)
        if not target.is_file():
            raise _missing("open", path)
        return target.read_text(encoding="utf-8", errors="replace")

    def write_text(self, project_id: str, path: str, content: str) -> None:
        target = self.resolve(project_id, path)
        if target.is_dir():
            raise FileError("EISDIR", 21, "open", path, "illegal operation on a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        # write through a temp file: a reader never sees half a file
        tmp = target.with_name(f".{target.name}.emulator-tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, target)

    def listing(self, project_id: str, path: str, hidden: bool = False) -> list[dict[str, Any]]:
        """Directory entries as CoCalc lists them: name, size, mtime (s), isdir when true."""
        target = self.resolve(project_id, path, "scandir")
        if not target.is_dir():
            raise _missing("scandir", path)
        out: list[dict[str, Any]] = []
        for entry in sorted(os.scandir(target), key=lambda e: e.name):
            if not hidden and entry.name.startswith("."):
                continue
            st = entry.stat(follow_symlinks=False)
            item: dict[str, Any] = {"name": entry.name, "mtime": int(st.st_mtime)}
            if entry.is_dir(follow_symlinks=False):
                item["isdir"] = True
            else:
                item["size"] = st.st_size
            out.append(item)
        return out

    def remove_project(self, project_id: str) -> None:
        shutil.rmtree(self.root / project_id, ignore_errors=True)
