"""The demo course: its name, its assignment and how to seed them into an instructor's project.

Nothing here starts a server: ``cocalc-async demo`` (the CLI layer, ``cli/course.py``) starts
the embedded emulator and calls :func:`seed_course` with the instructor's client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["ASSIGNMENT", "DEMO_COURSE", "FILES", "seed_course"]

DEMO_COURSE = "Demo 101"
ASSIGNMENT = "assignment-1"
#: The seeded assignment: what every student finds in their project.
FILES = {
    f"{ASSIGNMENT}/README.md": "# Assignment 1\n\nImplement `mean` in problem1.py.\n",
    f"{ASSIGNMENT}/problem1.py": "def mean(xs):\n    raise NotImplementedError\n",
}


async def seed_course(client: Client, title: str = f"{DEMO_COURSE} (instructor)") -> str:
    """Create the instructor's course project and write the assignment into it, through v2
    (``projects/create``, ``projects/write-text-file``); return the project id."""
    created = await client.v2.projects.create(title=title)
    for path, content in FILES.items():
        await client.v2.projects.write_text_file(
            project_id=created.project_id, path=path, content=content
        )
    return created.project_id
