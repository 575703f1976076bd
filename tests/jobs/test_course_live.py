"""The course job against a real CoCalc hub, opt-in: ``COCALC_LIVE_URL`` and ``COCALC_LIVE_KEY``
(an instructor's account key, not an admin's), and optionally ``COCALC_LIVE_STUDENT_EMAIL``, the
e-mail of another account on that hub (added as collaborator; without it only the invite flow
runs). Everything it creates (a course project and the student projects) is deleted at the end.
Without the two variables the test is skipped, with that reason."""

from __future__ import annotations

import os
import uuid

import pytest

from cocalc_async import Client
from cocalc_async.jobs import CourseJob, PreflightError, Student

URL = os.environ.get("COCALC_LIVE_URL", "")
KEY = os.environ.get("COCALC_LIVE_KEY", "")
pytestmark = pytest.mark.skipif(
    not (URL and KEY), reason="set COCALC_LIVE_URL and COCALC_LIVE_KEY to run against a real hub"
)


async def test_the_whole_course_life_on_a_real_hub() -> None:
    async with Client(KEY, base_url=URL, request_timeout=120) as client:
        created = await client.call("v2", "projects/create", {"title": "cocalc_async live course"})
        pid = str(created["project_id"]) if isinstance(created, dict) else ""
        made: list[str] = [pid]
        try:
            await client.call(
                "v2",
                "projects/write-text-file",
                {"project_id": pid, "path": "hw1/task.md", "content": "# task\n"},
            )
            roster = [Student(f"live-{uuid.uuid4().hex[:10]}@example.com", "Neu", "Ling")]
            existing = os.environ.get("COCALC_LIVE_STUDENT_EMAIL")
            if existing:
                roster.append(Student(existing.lower(), "Live", "Student"))

            def job() -> CourseJob:
                return CourseJob(client, f"Live {uuid.uuid4().hex[:6]}", pid, "hw1")

            course = job()
            with pytest.raises(PreflightError, match="does not exist"):
                await CourseJob(client, "x", pid, "no-such-folder").preflight()
            await course.preflight()
            first = await course.provision(roster)
            made += [s.project_id for s in first.students if s.project_id]
            assert not first.failed, first.summary_table()

            again_job = CourseJob(client, course.course, pid, "hw1")
            victim = first.students[0].project_id or ""
            await client.call("v2", "exec", {"project_id": victim, "command": "rm -rf hw1",
                                             "bash": True})  # fmt: skip
            again = await again_job.provision(roster)
            assert [s.project_id for s in again.students] == [s.project_id for s in first.students]
            assert again.students[0].steps["copy"] == "done"
            assert all(s.steps["project"] == "skipped" for s in again.students)

            assert not (await again_job.collect(roster)).failed
            assert not (await again_job.return_graded(roster)).failed
            status = await again_job.status(roster)
            for s in status.students:
                assert (s.copied, s.collected, s.returned) == (True, True, True)
            assert status.students[0].invited
        finally:
            for project_id in made:
                await client.call("v2", "projects/delete", {"project_id": project_id})
