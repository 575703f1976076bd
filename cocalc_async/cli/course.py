"""``course provision|collect|return|status`` and ``demo``: the course job from the shell.

The engine is :class:`cocalc_async.jobs.CourseJob`; this module reads the command line and the
roster, turns what must be fixed before a run into one line and exit code 2, shows progress,
and (for ``demo`` and ``course provision`` without a server) starts the embedded emulator,
which the library itself never imports.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import exit_codes
from .connect import open_client, server_url
from .exit_codes import UsageError
from .output import emit

if TYPE_CHECKING:
    from ..client import Client
    from ..jobs import CourseEvent, CourseReport, Student
    from ..testing.emulator import Emulator

ACTIONS = ("provision", "collect", "return", "status")


# -- course ACTION ------------------------------------------------------------------------------


async def course(args: argparse.Namespace) -> int:
    action: str = args.course_command
    if server_url(args) is None:
        if action != "provision":
            raise UsageError(f"course {action} needs a server: give --url or set COCALC_URL")
        return await _embedded_provision(args)
    missing = [f"--{n}" for n in ("roster", "assignment", "project") if not getattr(args, n)]
    if missing:
        raise UsageError(f"against a server, {', '.join(missing)} must be given")
    _check_options(args)
    students = _roster(args)
    async with open_client(args) as client:
        report = await _run(args, client, action, students, args.assignment, args.project)
    return _finish(args, report)


def _check_options(args: argparse.Namespace) -> None:
    if args.project is not None:
        try:
            uuid.UUID(args.project)
        except ValueError:
            raise UsageError(
                f"--project {args.project!r} is not a project id (a UUID like"
                " 2b3f9c1e-5d4a-4c8e-9f1a-0c6b7d8e9f01; see the project's settings)"
            ) from None
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if getattr(args, "retries", 0) < 0:
        raise UsageError("--retries must be 0 or more")
    if args.assignment is not None:
        from ..jobs.course import check_path

        try:
            check_path("--assignment", args.assignment)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def _roster(args: argparse.Namespace) -> list[Student]:
    """The roster's good rows; every bad row is printed at once (``--strict``: exit 2)."""
    from ..jobs import RosterError, read_roster

    try:
        roster = read_roster(args.roster)
    except OSError as exc:
        raise UsageError(f"roster {args.roster}: {exc.strerror or exc}") from None
    except RosterError as exc:
        raise UsageError(str(exc)) from None
    args.roster_problems = [str(p) for p in roster.problems]
    if roster.problems:
        if args.strict:
            raise UsageError(str(RosterError(roster.problems, args.roster)) + " (--strict)")
        for problem in roster.problems:
            print(f"cocalc-async: roster {args.roster} {problem}: skipped", file=sys.stderr)
    students = roster.students
    if args.only:
        from ..jobs.roster import normalize_email

        wanted: list[str] = []
        for raw in args.only.split(","):
            if raw.strip():
                try:
                    wanted.append(normalize_email(raw.strip()))
                except ValueError as exc:
                    raise UsageError(f"--only {raw.strip()!r}: {exc}") from None
        unknown = sorted(set(wanted) - {s.email for s in students})
        if unknown:
            raise UsageError(f"--only names students not in the roster: {', '.join(unknown)}")
        students = [s for s in students if s.email in set(wanted)]
    if not students:
        raise UsageError(f"roster {args.roster} has no usable student")
    return students


async def _run(
    args: argparse.Namespace,
    client: Client,
    action: str,
    students: Sequence[Student],
    assignment: str,
    project: str,
) -> CourseReport:
    from ..jobs import CourseJob, PreflightError
    from ..jobs.progress import CourseProgress

    bar = None
    if not args.json and not args.no_progress:
        bar = CourseProgress(len(students), action)

    def on_event(event: CourseEvent) -> None:
        if args.json:
            print(json.dumps(event.to_json(), ensure_ascii=False), flush=True)
        if bar is not None:
            bar(event)
        elif not args.json and event.kind in ("failed", "retry"):
            # No bar, but a failure is still named the moment it happens.
            what = "FAILED" if event.kind == "failed" else f"retrying (attempt {event.attempt})"
            print(f"{what} {event.email}: {event.error}", file=sys.stderr, flush=True)

    options: dict[str, Any] = {}
    if action == "provision":
        options = {"check_command": args.check, "create_accounts": args.create_accounts}
    try:
        job = CourseJob(
            client,
            args.course or "Course",
            project,
            assignment,
            concurrency=args.concurrency,
            retries=getattr(args, "retries", 3),
            on_event=on_event,
            **options,
        )
        account_id = await job.preflight(action)
        if not args.json:
            print(
                f"preflight ok: the key is account {account_id}'s; project {project} is"
                f" writable; {len(students)} student(s) to {action}",
                file=sys.stderr,
            )
    except (ValueError, PreflightError) as exc:
        if bar is not None:
            bar.close()
        raise UsageError(str(exc)) from None
    try:
        run = {"provision": job.provision, "collect": job.collect,
               "return": job.return_graded, "status": job.status}[action]  # fmt: skip
        report = await run(students)
    finally:
        if bar is not None:
            bar.close()
    report.roster_problems = list(getattr(args, "roster_problems", []))
    return report


def retry_command(args: argparse.Namespace, report: CourseReport) -> str | None:
    """The exact command that runs this action again for the failed students only."""
    if not report.failed or not args.roster:
        return None
    words = ["cocalc-async", "course", report.action]
    url = server_url(args)
    if url:  # named even when it came from $COCALC_URL, so the line works in any shell
        words += ["--url", url]
    words += ["--roster", args.roster, "--assignment", report.assignment_path]
    words += ["--project", report.instructor_project_id, "--course", report.course]
    if report.action == "provision":
        if args.check:
            words += ["--check", args.check]
        if args.create_accounts:
            words.append("--create-accounts")
    words += ["--only", ",".join(s.email for s in report.failed)]
    return shlex.join(words)


def _finish(args: argparse.Namespace, report: CourseReport) -> int:
    if args.report:
        report.write_json(args.report)
    if getattr(args, "csv", None):
        Path(args.csv).write_text(report.to_csv(), encoding="utf-8")
    again = retry_command(args, report)
    data = {**report.to_json(), "retry_command": again}
    if args.json:
        emit(True, {"event": "summary", **data})
    else:
        emit(False, data, report.summary_table(again))
    return exit_codes.OK if not report.failed else exit_codes.FAILED


# -- the embedded emulator ----------------------------------------------------------------------


@asynccontextmanager
async def embedded_course(
    *, copy_delay: float = 0.05, existing: int = 0, roster: Sequence[Student] = ()
) -> AsyncIterator[tuple[Emulator, Client, str]]:
    """A running emulator on 127.0.0.1, a client holding the instructor's (non-admin) key, and
    the instructor's course project with the demo assignment written through v2. The first
    ``existing`` students of ``roster`` get an account beforehand; the others do not, so a run
    shows both flows (add as collaborator, invite by e-mail)."""
    from ..client import Client
    from ..jobs.demo import seed_course
    from ..testing.emulator import Emulator

    async with (
        Emulator(copy_delay=copy_delay) as emu,
        Client(emu.api_key, base_url=emu.url) as client,
    ):
        for s in list(roster)[:existing]:
            emu.create_account(s.first_name or "Student", s.last_name or "", s.email)
        pid = await seed_course(client)
        yield emu, client, pid


async def _embedded_provision(args: argparse.Namespace) -> int:
    from ..jobs import demo_roster
    from ..jobs.demo import ASSIGNMENT, DEMO_COURSE

    if args.roster:
        students = _roster(args)
    else:
        args.roster_problems = []
        students = demo_roster()
    if not args.json:
        print("no --url or COCALC_URL: using the embedded emulator with a demo course")
    args.course = args.course or DEMO_COURSE
    _check_options(args)
    async with embedded_course(roster=students, existing=len(students) // 3) as (_, client, pid):
        report = await _run(args, client, "provision", students, args.assignment or ASSIGNMENT,
                            args.project or pid)  # fmt: skip
    return _finish(args, report)


async def demo(args: argparse.Namespace) -> int:
    """Provision the demo course twice (the re-run creates nothing), after deleting one
    student's copy (the re-run repairs exactly that one), then show the status table."""
    from ..jobs import CourseJob, demo_roster
    from ..jobs.demo import ASSIGNMENT, DEMO_COURSE

    if args.students < 1:
        raise UsageError("--students must be at least 1")
    say = (lambda _text: None) if args.json else print
    roster = demo_roster(args.students)
    existing = len(roster) // 3
    args.no_progress = getattr(args, "no_progress", False)
    args.concurrency, args.retries, args.check, args.create_accounts = 10, 3, None, False
    args.course, args.roster = DEMO_COURSE, None
    runs: list[CourseReport] = []
    async with embedded_course(roster=roster, existing=existing) as (emu, client, pid):
        say(f"Embedded CoCalc emulator at {emu.url} (loopback only, today's API: v2 + conat)")
        say(
            f"Course {DEMO_COURSE!r}: {len(roster)} students ({existing} with an account, added"
            f" as collaborators; {len(roster) - existing} without, invited by e-mail),"
            f" assignment {ASSIGNMENT!r}, the instructor's own (non-admin) key"
        )
        labels = ("first run", "re-run after deleting one student's copy (repairs only that)")
        for label in labels:
            if runs:
                _delete_copy(emu, runs[0].students[0].project_id or "")
            say(f"\n== {label}")
            report = await _run(args, client, "provision", roster, ASSIGNMENT, pid)
            runs.append(report)
            say(report.summary_table())
        status = await CourseJob(client, DEMO_COURSE, pid, ASSIGNMENT).status(roster)
        db = emu.store.db
        accounts = db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        projects = db.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
    invited = sum(s.invited for s in status.students)
    say(
        f"\nCoCalc now holds {accounts} accounts and {projects} projects (instructor included);"
        f" {invited} students are invited by e-mail and not yet signed up."
    )
    if args.report:
        runs[-1].write_json(args.report)
    if args.json:
        emit(True, {"event": "summary", "runs": [r.to_json() for r in runs],
                    "accounts": accounts, "projects": projects})  # fmt: skip
    return exit_codes.OK if not runs[-1].failed else exit_codes.FAILED


def _delete_copy(emu: Emulator, project_id: str) -> None:
    import shutil

    from ..jobs.demo import ASSIGNMENT

    if project_id:
        shutil.rmtree(emu.project_dir(project_id) / ASSIGNMENT, ignore_errors=True)
