"""``course provision`` and ``demo``: the course job from the shell, on a real server or on the
embedded emulator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from . import exit_codes
from .connect import open_client, server_url
from .exit_codes import UsageError
from .output import emit

if TYPE_CHECKING:
    from ..client import Client
    from ..jobs import CourseReport, Student


async def provision(args: argparse.Namespace) -> int:
    from ..jobs import CourseReport, demo_roster
    from ..jobs.demo import DEMO_COURSE, embedded_course

    roster = _roster(args.roster) if args.roster else None
    previous = _previous(args.report)
    if server_url(args) is None:
        if not args.json:
            print("no --url or COCALC_URL: using the embedded emulator with a demo course")
        async with embedded_course() as ec:
            report = await _run(
                args,
                ec.client,
                roster or demo_roster(),
                args.assignment or ec.assignment_path,
                args.project or ec.instructor_project_id,
                args.course or DEMO_COURSE,
                previous,
            )
    else:
        missing = [f"--{n}" for n in ("roster", "assignment", "project") if not getattr(args, n)]
        if missing:
            raise UsageError(f"against a server, {', '.join(missing)} must be given")
        assert roster is not None
        async with open_client(args) as client:
            report = await _run(
                args,
                client,
                roster,
                args.assignment,
                args.project,
                args.course or "Course",
                previous,
            )
    return _finish(args, report, CourseReport)


async def _run(
    args: argparse.Namespace,
    client: Client,
    roster: list[Student],
    assignment: str,
    project: str,
    course: str,
    previous: CourseReport | None,
) -> CourseReport:
    from ..jobs import provision_course

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    return await provision_course(
        client,
        roster,
        assignment,
        instructor_project_id=project,
        course=course,
        check_command=args.check,
        previous=previous,
        concurrency=args.concurrency,
        progress=not (args.no_progress or args.json),
    )


def _finish(args: argparse.Namespace, report: CourseReport, _cls: object) -> int:
    if args.report:
        report.write_json(args.report)
    if getattr(args, "csv", None):
        Path(args.csv).write_text(report.to_csv(), encoding="utf-8")
    emit(args.json, report.to_json(), report.summary_table())
    return exit_codes.OK if not report.failed else exit_codes.FAILED


def _roster(path: str) -> list[Student]:
    from ..jobs import read_roster

    try:
        return read_roster(path).students
    except (OSError, ValueError) as exc:
        raise UsageError(f"roster {path}: {exc}") from None


def _previous(path: str | None) -> CourseReport | None:
    from ..jobs import CourseReport

    if not path or not Path(path).exists():
        return None
    try:
        return CourseReport.load(path)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"report {path} cannot be read back: {exc}") from None


async def demo(args: argparse.Namespace) -> int:
    """Provision the demo course, then again to show that a re-run creates nothing new."""
    from ..jobs import demo_roster, provision_course
    from ..jobs.demo import DEMO_COURSE, embedded_course

    if args.students < 1:
        raise UsageError("--students must be at least 1")
    say = (lambda _text: None) if args.json else print
    roster = demo_roster(args.students)
    async with embedded_course() as ec:
        say(f"Embedded CoCalc emulator at {ec.emulator.url} (loopback only)")
        say(f"Course {DEMO_COURSE!r}: {len(roster)} students, assignment {ec.assignment_path!r}")
        runs: list[CourseReport] = []
        for label in ("first run", "re-run (idempotent: nothing new is created)"):
            report = await provision_course(
                ec.client,
                roster,
                ec.assignment_path,
                instructor_project_id=ec.instructor_project_id,
                course=DEMO_COURSE,
                previous=runs[-1] if runs else None,
                progress=not args.json,
            )
            runs.append(report)
            say(f"\n== {label}\n{report.summary_table()}")
        db = ec.emulator.store.db
        accounts = db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        projects = db.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
    say(f"\nThe emulator holds {accounts} accounts and {projects} projects (instructor included).")
    if args.report:
        runs[-1].write_json(args.report)
    if args.json:
        emit(
            True, {"runs": [r.to_json() for r in runs], "accounts": accounts, "projects": projects}
        )
    return exit_codes.OK if not runs[-1].failed else exit_codes.FAILED
