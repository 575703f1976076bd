"""Every ```python and ```sh block of README.md and docs/*.md runs as written.

Python blocks run against a live emulator on loopback: the names a block uses without defining
(``project_id``, ``token``, ...) are given real values from it, and ``https://cocalc.com`` and the
``"sk_..."`` placeholder key point at it. Shell blocks run line by line from the repository root.
A block that cannot run is preceded by ``<!-- no-test: reason -->``, visibly, and there are few.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cocalc_async.testing import Emulator

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(python|sh)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
NO_TEST = re.compile(r"<!--\s*no-test:\s*(.*?)\s*-->\s*$")
#: At most this many blocks may opt out; each says why.
MAX_NO_TEST = 4


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str
    no_test: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            before = text[: m.start()].rstrip("\n").splitlines()
            reason = NO_TEST.search(before[-1]) if before else None
            line = text.count("\n", 0, m.start()) + 1
            out.append(
                Block(path, line, m.group(1), m.group(2), reason.group(1) if reason else None)
            )
    return out


ALL = blocks()
RUNNABLE = [b for b in ALL if b.no_test is None]


def test_the_blocks_are_found_and_few_opt_out() -> None:
    assert len(ALL) >= 8
    skipped = [b for b in ALL if b.no_test is not None]
    assert len(skipped) <= MAX_NO_TEST, [b.id for b in skipped]
    assert all(b.no_test for b in skipped)  # each gives its reason


class Server:
    """The emulator on its own thread, so a block may call ``asyncio.run`` itself."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emu = Emulator()
        asyncio.run_coroutine_threadsafe(self.emu.start(), self.loop).result(30)
        self._names: dict[str, Any] | None = None

    def names(self) -> dict[str, Any]:
        """Made once per module; each block gets a fresh copy of the namespace."""
        if self._names is None:
            self._names = self._make_names()
        return dict(self._names)

    def _make_names(self) -> dict[str, Any]:
        emu = self.emu

        async def make() -> dict[str, Any]:
            other, _ = emu.create_account("Other", "User", "other@example.com")
            student, _ = emu.create_account("Stu", "Dent", "student@example.com", "pw-student-1")
            _admin, admin_key = emu.create_account("Ad", "Min", "admin@example.com", admin=True)
            pid = emu.create_project(title="docs")
            student_pid = emu.create_project(title="student")
            emu.add_collaborator(pid, student)
            # The files the examples name, as a course project would hold them.
            home = emu.project_dir(pid)
            (home / "hw1").mkdir()
            (home / "hw1" / "a.txt").write_text("answer\n", encoding="utf-8")
            (home / "grade.sh").write_text("echo graded\n", encoding="utf-8")
            from cocalc_async import Client

            return {
                "Client": Client,  # fragments that show a call inside a program use it unimported
                "pid": pid, "project_id": pid, "student_pid": student_pid, "aid": other,
                "other": other, "account_id": student, "password": "pw-student-1",
                "email": "student@example.com", "admin_key": admin_key, "url": emu.url,
                "token": "0123456789abcdef", "api_key": emu.api_key,
            }  # fmt: skip

        names: dict[str, Any] = asyncio.run_coroutine_threadsafe(make(), self.loop).result(30)
        return names

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.emu.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def _localise(code: str, server: Server) -> str:
    return (
        code.replace("https://cocalc.com", server.emu.url)
        .replace('"sk_..."', repr(server.emu.api_key))
        .replace("'sk_...'", repr(server.emu.api_key))
    )


def _run_python(code: str, namespace: dict[str, Any], filename: str) -> None:
    compiled = compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    errors: list[BaseException] = []

    def target() -> None:  # a thread with no running loop, as a script or a notebook cell has
        try:
            result = eval(compiled, namespace)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), f"{filename} did not finish in 120 s"
    if errors:
        raise errors[0]


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.lang == "python"], ids=lambda b: b.id)
def test_python_block_runs(block: Block, server: Server) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__", **server.names()}
    _run_python(_localise(block.code, server), namespace, block.id)


def _sandboxed(command: str, tmp: Path) -> str:
    """A command as documented, except that one which rewrites files of the repository writes
    them into ``tmp`` instead (other work in the same tree must not see them change)."""
    if command.startswith("python -m cocalc_async.codegen") and "--check" not in command:
        return f"{command} --out {tmp / 'generated'}"
    return command


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.lang == "sh"], ids=lambda b: b.id)
def test_sh_block_runs(block: Block, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("COCALC_URL", None)
    for raw in block.code.splitlines():
        command = raw.split("  #", 1)[0].strip()
        if not command or command.startswith("#"):
            continue
        done = subprocess.run(
            ["bash", "-c", _sandboxed(command, tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, (
            f"{block.id}: {command!r} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
