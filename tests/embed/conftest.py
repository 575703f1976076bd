"""Fixtures for the embed tests: an emulator with a student, a project and a few files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest_asyncio

from cocalc_async.testing import Emulator

STUDENT_EMAIL = "student@example.com"
STUDENT_PASSWORD = "student-password-1"
FILES = {
    "notes.md": "# Notes\nfirst file",
    "sub dir/α #1.txt": "unicode, space and hash",
    "second.md": "the second file",
}


@dataclass
class World:
    emu: Emulator
    student_id: str
    project_id: str  # the student's own project, holding FILES
    forbidden_project_id: str  # the instructor's project, which the student may not read


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    # No v1: today's hub answers every /api/v1 path with 404, and the embed flow needs none.
    async with Emulator() as emu:
        student_id, _ = emu.create_account("Sam", "Student", STUDENT_EMAIL, STUDENT_PASSWORD)
        project_id = emu.create_project(student_id, title="Homework")
        for path, text in FILES.items():
            target = emu.project_dir(project_id) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        forbidden = emu.create_project(title="Instructor only")
        (emu.project_dir(forbidden) / "secret.md").write_text("solutions", encoding="utf-8")
        yield World(emu, student_id, project_id, forbidden)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: aiohttp drops cookies from IP-address hosts such as 127.0.0.1 otherwise.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session
