"""Project files: each project is a real directory, and no path may leave it.

A path is normalised relative to the project's home (absolute paths too, since HOME is the
project's root here), then resolved with symlinks followed; the result must still lie inside
the project directory (or, for a public path, inside the shared directory), otherwise the call
fails the way Node fails a forbidden open (``EACCES``), and nothing outside is read or written.

Resolving first and opening later leaves a window in which a directory could be swapped for a
symlink (a project's own commands run concurrently). So every open walks the *resolved* path one
component at a time from the project's home with ``O_NOFOLLOW`` and ``dir_fd``: a symlink that
appears after the check makes the open fail instead of following it. Writes go through a fresh,
randomly named temp file created with ``O_CREAT | O_EXCL | O_NOFOLLOW``, so a symlink planted
under a predictable temp name cannot redirect the write.
"""

from __future__ import annotations

import errno as _errno
import os
import posixpath
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

#: Node's limit on a path it will pass to the kernel; longer names fail with ENAMETOOLONG.
MAX_PATH = 4096

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_TEXTS = {
    "EACCES": (13, "permission denied"),
    "ENOENT": (2, "no such file or directory"),
    "EISDIR": (21, "illegal operation on a directory"),
    "ENOTDIR": (20, "not a directory"),
    "ENAMETOOLONG": (36, "name too long"),
    "EEXIST": (17, "file already exists"),
}


class FileError(Exception):
    """A Node-style file error; ``node_error`` is the object v1 forwards unchanged.

    ``str()`` is Node's message, e.g. ``ENOENT: no such file or directory, open 'a.txt'``.
    """

    def __init__(self, code: str, errno: int, syscall: str, path: str, text: str) -> None:
        super().__init__(f"{code}: {text}, {syscall} '{path}'")
        self.code = code
        self.node_error: dict[str, Any] = {
            "errno": -errno,
            "code": code,
            "syscall": syscall,
            "path": path,
        }


def node_error(code: str, syscall: str, path: str) -> FileError:
    number, text = _TEXTS[code]
    return FileError(code, number, syscall, path, text)


def _refused(syscall: str, path: str) -> FileError:
    return node_error("EACCES", syscall, path)


def _missing(syscall: str, path: str) -> FileError:
    return node_error("ENOENT", syscall, path)


def _from_os(err: OSError, syscall: str, path: str) -> FileError:
    """An OSError from a guarded open, in Node's words. ELOOP means a symlink appeared after the
    containment check (or a component is one): that is a refusal, not a missing file."""
    name = _errno.errorcode.get(err.errno or 0, "")
    if name in ("ELOOP", "EACCES", "EPERM", "EXDEV"):
        return _refused(syscall, path)
    if name in _TEXTS:
        return node_error(name, syscall, path)
    return _refused(syscall, path)


def normalize(path: str, syscall: str = "open") -> str:
    """``path`` as a clean path relative to the project's home (``""`` for the home itself).

    ``..`` that climbs above the home is refused here, before the file system is asked.
    Leading slashes are dropped: an absolute path means "from the home", as HOME is the root.
    """
    if "\x00" in path:
        # Node refuses such a path before any system call; the emulator refuses it as EACCES
        raise _refused(syscall, path.replace("\x00", "\\x00"))
    if len(path.encode("utf-8", "surrogateescape")) > MAX_PATH:
        raise node_error("ENAMETOOLONG", syscall, path[:64] + "…")
    clean = posixpath.normpath("/" + path.lstrip("/"))
    # normpath of an absolute path cannot start with "/..", so a climb shows as a lost prefix:
    # compare segment by segment against the raw one instead
    depth = 0
    for part in path.split("/"):
        if part in ("", "."):
            continue
        depth = depth - 1 if part == ".." else depth + 1
        if depth < 0:
            raise _refused(syscall, path)
    return clean.lstrip("/")


def _inside(candidate: Path, root: Path) -> bool:
    return candidate == root or root in candidate.parents


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

    def resolve(
        self, project_id: str, path: str, syscall: str = "open", *, within: str | None = None
    ) -> Path:
        """The real path of ``path`` inside the project, or ``EACCES`` if it escapes.

        ``within`` (a path relative to the home, e.g. a shared directory) narrows the root: a
        public path may not reach its own project's private files through ``..`` or a symlink.
        """
        home = self.home(project_id).resolve()
        root = home
        if within is not None:
            root = (home / normalize(within, syscall)).resolve()
            if not _inside(root, home):
                raise _refused(syscall, path)
        candidate = (home / normalize(path, syscall)).resolve()
        if not _inside(candidate, root):
            raise _refused(syscall, path)
        return candidate

    # -- guarded opens ---------------------------------------------------------------------------

    @contextmanager
    def _parent_fd(
        self, project_id: str, target: Path, syscall: str, path: str, *, create: bool = False
    ) -> Iterator[int]:
        """An fd of ``target``'s parent, reached from the home without following any symlink.

        ``target`` is already resolved, so no component of it may be a symlink; one that is (a
        race with the project's own processes) fails with ELOOP and becomes EACCES.
        """
        home = self.home(project_id).resolve()
        rel = target.relative_to(home)
        parts = rel.parts[:-1]
        fd = os.open(home, _DIR_FLAGS)
        try:
            for part in parts:
                try:
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    with suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = nxt
            yield fd
        except OSError as err:
            raise _from_os(err, syscall, path) from None
        finally:
            os.close(fd)

    def read_bytes(self, project_id: str, path: str, *, within: str | None = None) -> bytes:
        target = self.resolve(project_id, path, within=within)
        with self._parent_fd(project_id, target, "open", path) as dir_fd:
            try:
                fd = os.open(target.name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError as err:
                raise _from_os(err, "open", path) from None
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                os.close(fd)
                if stat.S_ISDIR(mode):
                    raise node_error("EISDIR", "read", path)
                raise _refused("open", path)  # a fifo or a device would block or leak
            with os.fdopen(fd, "rb") as fh:
                return fh.read()

    def read_text(self, project_id: str, path: str, *, within: str | None = None) -> str:
        if normalize(path) == "":
            raise node_error("EISDIR", "read", path)
        return self.read_bytes(project_id, path, within=within).decode("utf-8", errors="replace")

    def write_bytes(
        self,
        project_id: str,
        path: str,
        data: bytes,
        mtime: float | None = None,
        *,
        follow: bool = True,
    ) -> None:
        """Write atomically. ``follow=False`` replaces a symlink at ``path`` by the file instead
        of writing to where it points (what rsync does to a target); the parents are always
        resolved and must stay inside the project."""
        clean = normalize(path)
        if clean == "":
            raise node_error("EISDIR", "open", path)
        if follow:
            target = self.resolve(project_id, path)
        else:
            parent = self.resolve(project_id, posixpath.dirname(clean) or ".")
            target = parent / posixpath.basename(clean)
        with self._parent_fd(project_id, target, "open", path, create=True) as dir_fd:
            try:
                st = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise node_error("EISDIR", "open", path)
            # write through a fresh temp file: a reader never sees half a file, and a planted
            # symlink under a guessable name cannot catch the write (O_EXCL | O_NOFOLLOW)
            tmp = f".{target.name[:200]}.{secrets.token_hex(8)}.emulator-tmp"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            try:
                fd = os.open(tmp, flags, 0o644, dir_fd=dir_fd)
            except OSError as err:
                raise _from_os(err, "open", path) from None
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    if mtime is not None:
                        os.utime(fh.fileno(), (mtime, mtime))
                os.replace(tmp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except OSError as err:
                with suppress(OSError):
                    os.unlink(tmp, dir_fd=dir_fd)
                raise _from_os(err, "open", path) from None

    def write_text(self, project_id: str, path: str, content: str) -> None:
        self.write_bytes(project_id, path, content.encode("utf-8", "surrogatepass"))

    def mkdir(self, project_id: str, path: str) -> None:
        """``mkdir -p`` inside the project, through the same no-symlink walk as writes."""
        target = self.resolve(project_id, path, "mkdir")
        if target == self.home(project_id).resolve():
            return
        with self._parent_fd(project_id, target, "mkdir", path, create=True) as dir_fd:
            try:
                os.mkdir(target.name, 0o755, dir_fd=dir_fd)
            except FileExistsError:
                st = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    raise node_error("EEXIST", "mkdir", path) from None
            except OSError as err:
                raise _from_os(err, "mkdir", path) from None

    def listing(
        self, project_id: str, path: str, hidden: bool = False, *, within: str | None = None
    ) -> list[dict[str, Any]]:
        """Directory entries as CoCalc lists them: name, size, mtime (s), isdir when true."""
        target = self.resolve(project_id, path, "scandir", within=within)
        home = self.home(project_id).resolve()
        if target == home:
            fd = os.open(home, _DIR_FLAGS)
        else:
            with self._parent_fd(project_id, target, "scandir", path) as dir_fd:
                try:
                    fd = os.open(target.name, _DIR_FLAGS, dir_fd=dir_fd)
                except OSError as err:
                    if err.errno == _errno.ENOTDIR:
                        raise _missing("scandir", path) from None
                    raise _from_os(err, "scandir", path) from None
        out: list[dict[str, Any]] = []
        try:
            with os.scandir(fd) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if not hidden and entry.name.startswith("."):
                        continue
                    st = entry.stat(follow_symlinks=False)
                    item: dict[str, Any] = {"name": entry.name, "mtime": int(st.st_mtime)}
                    if entry.is_dir(follow_symlinks=False):
                        item["isdir"] = True
                    else:
                        item["size"] = st.st_size
                    out.append(item)
        finally:
            os.close(fd)
        return out

    def delete(self, project_id: str, path: str) -> None:
        """Remove a file or a directory tree inside the project (never the home itself).

        The last component is not followed: deleting a symlink removes the link, not its target.
        """
        clean = normalize(path, "rm")
        if clean == "":
            raise _refused("rm", path)
        parent = self.resolve(project_id, posixpath.dirname(clean) or ".", "rm")
        target = parent / posixpath.basename(clean)
        with self._parent_fd(project_id, target, "rm", path) as dir_fd:
            try:
                st = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as err:
                raise _from_os(err, "rm", path) from None
            if stat.S_ISDIR(st.st_mode):
                # the fd-based rmtree never follows a symlink inside the tree
                shutil.rmtree(target)
            else:
                os.unlink(target.name, dir_fd=dir_fd)

    def move(self, project_id: str, src: str, dest: str) -> None:
        """Rename inside the project; the source's last component is moved, not followed."""
        src_clean, dest_clean = normalize(src, "rename"), normalize(dest, "rename")
        if "" in (src_clean, dest_clean):
            raise _refused("rename", src)
        src_parent = self.resolve(project_id, posixpath.dirname(src_clean) or ".", "rename")
        dest_path = self.resolve(project_id, dest_clean, "rename")
        source = src_parent / posixpath.basename(src_clean)
        with (
            self._parent_fd(project_id, source, "rename", src) as sfd,
            self._parent_fd(project_id, dest_path, "rename", dest, create=True) as dfd,
        ):
            try:
                os.rename(source.name, dest_path.name, src_dir_fd=sfd, dst_dir_fd=dfd)
            except OSError as err:
                raise _from_os(err, "rename", src) from None

    def remove_project(self, project_id: str) -> None:
        shutil.rmtree(self.root / project_id, ignore_errors=True)
