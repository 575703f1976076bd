"""Course provisioning against the emulator: re-runs duplicate nothing, failures are reported."""

from __future__ import annotations

import pytest

from cocalc_async.jobs import CourseReport, Student, demo_roster, parse_roster, provision_course
from cocalc_async.jobs.demo import EmbeddedCourse, embedded_course
from cocalc_async.testing import Emulator


async def _run(
    ec: EmbeddedCourse,
    roster: list[Student],
    path: str | None = None,
    previous: CourseReport | None = None,
) -> CourseReport:
    return await provision_course(
        ec.client,
        roster,
        path or ec.assignment_path,
        instructor_project_id=ec.instructor_project_id,
        course="C1",
        previous=previous,
        progress=False,
    )


def _counts(emu: Emulator) -> tuple[int, int]:
    db = emu.store.db
    return (
        db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0],
        db.execute("SELECT COUNT(*) FROM projects").fetchone()[0],
    )


async def test_rerun_creates_nothing_and_skips_finished_steps() -> None:
    roster = demo_roster(6)
    async with embedded_course() as ec:
        first = await _run(ec, roster)
        assert not first.failed
        after_first = _counts(ec.emulator)
        assert after_first == (1 + 6, 1 + 6)
        home = ec.emulator.project_dir(first.students[0].project_id or "")
        assert (home / "assignment-1" / "problem1.py").exists()
        assert "problem1.py" in first.students[0].check_output

        # Without the previous report: everything is found on the server.
        second = await _run(ec, roster)
        assert _counts(ec.emulator) == after_first
        assert not second.failed
        for step in ("account", "project", "collaborator", "copy"):
            assert second.counts()[step]["skipped"] == 6, step
        assert [s.project_id for s in second.students] == [s.project_id for s in first.students]
        copies = ec.emulator.store.db.execute("SELECT COUNT(*) FROM copy_paths").fetchone()[0]
        assert copies == 6

        # With the report read back from JSON: the same, and the student sits on the project.
        again = CourseReport.from_json(second.to_json())
        third = await _run(ec, roster, previous=again)
        assert _counts(ec.emulator) == after_first
        s0 = third.students[0]
        assert (
            ec.emulator.store.group_of(s0.account_id or "", s0.project_id or "") == "collaborator"
        )
        assert ec.emulator.store.group_of(ec.emulator.account_id, s0.project_id or "") == "owner"


async def test_existing_account_is_found_not_duplicated() -> None:
    async with embedded_course() as ec:
        ec.emulator.create_account("Pre", "Existing", "pre@example.com")
        roster = [Student("PRE@example.com", "Pre", "Existing")]
        report = await provision_course(
            ec.client,
            roster,
            ec.assignment_path,
            instructor_project_id=ec.instructor_project_id,
            progress=False,
        )
        assert report.students[0].steps["account"] == "skipped"
        assert _counts(ec.emulator)[0] == 2


async def test_failures_are_listed_and_retried_on_the_next_run() -> None:
    roster = demo_roster(3)
    async with embedded_course() as ec:
        bad = await _run(ec, roster, "no-such-assignment")
        assert len(bad.failed) == 3
        assert all(s.steps["copy"] == "failed" for s in bad.students)
        assert all("copy: CopyFailedError" in (s.error or "") for s in bad.failed)
        assert "FAILED student01@example.com: copy" in bad.summary_table()

        fixed = await _run(ec, roster, previous=bad)
        assert not fixed.failed
        assert all(
            s.steps["copy"] == "done" and s.steps["project"] == "skipped" for s in fixed.students
        )
        assert _counts(ec.emulator) == (4, 4)


async def test_failing_check_marks_the_student_failed() -> None:
    async with embedded_course() as ec:
        report = await provision_course(
            ec.client,
            demo_roster(2),
            ec.assignment_path,
            instructor_project_id=ec.instructor_project_id,
            check_command="echo missing >&2; exit 4",
            progress=False,
        )
        assert [s.steps["check"] for s in report.students] == ["failed", "failed"]
        assert "exited with nonzero code 4" in (report.failed[0].error or "")
        assert report.to_csv().splitlines()[0].startswith("email,account_id,project_id,account")


def test_roster_parsing_rejects_bad_rows() -> None:
    good = parse_roster("email,first_name,last_name\nA@x.org,Ann,Lee\n\n")
    assert good == [Student("a@x.org", "Ann", "Lee")]
    for text, needle in (
        ("email,first_name\n", "last_name"),
        ("email,first_name,last_name\nnot-an-email,A,B\n", "line 2"),
        ("email,first_name,last_name\na@x.org,A,B\nA@x.org,C,D\n", "twice"),
    ):
        with pytest.raises(ValueError, match=needle):
            parse_roster(text)
