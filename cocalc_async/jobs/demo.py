"""The embedded demo: an in-process emulator, an instructor with an assignment, 25 students.

``cocalc-async demo`` and ``cocalc-async course provision`` without a server both use
:func:`embedded_course`; nothing leaves this machine (the emulator binds 127.0.0.1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Client
    from ..testing.emulator import Emulator

__all__ = ["ASSIGNMENT", "DEMO_COURSE", "EmbeddedCourse", "embedded_course"]

DEMO_COURSE = "Demo 101"
ASSIGNMENT = "assignment-1"
#: The seeded assignment: what every student finds in their project.
FILES = {
    f"{ASSIGNMENT}/README.md": "# Assignment 1\n\nImplement `mean` in problem1.py.\n",
    f"{ASSIGNMENT}/problem1.py": "def mean(xs):\n    raise NotImplementedError\n",
}


@dataclass
class EmbeddedCourse:
    emulator: Emulator
    client: Client
    instructor_project_id: str
    assignment_path: str = ASSIGNMENT


@asynccontextmanager
async def embedded_course(*, copy_delay: float = 0.05) -> AsyncIterator[EmbeddedCourse]:
    """A running emulator, a client holding the instructor's key, and the instructor's course
    project with the assignment written through the API (so the demo exercises it too)."""
    from ..client import Client
    from ..testing.emulator import Emulator

    async with (
        Emulator(copy_delay=copy_delay) as emu,
        Client(emu.api_key, base_url=emu.url) as client,
    ):
        created = await client.v1.create_project(title=f"{DEMO_COURSE} (instructor)")
        pid = created.project_id
        for path, content in FILES.items():
            await client.v1.write_text_file_to_project(project_id=pid, path=path, content=content)
        yield EmbeddedCourse(emu, client, pid)
