"""Course provisioning: an account, a project and a copy of the assignment for every student.

    report = await provision_course(client, read_roster("roster.csv"), "assignment-1",
                                    instructor_project_id=pid, course="Math 101")

Every step first looks for what an earlier run made, so a re-run duplicates nothing, skips what
is finished and retries what failed:

1. account: ``user_search`` by e-mail, else ``create_account``;
2. project: the previous report's project, else a project titled :func:`project_title`,
   else ``create_project`` (the instructor's key creates it, so the instructor owns it);
3. collaborator: ``invite_collaborator`` for the student unless already on the project. The
   instructor is never invited: inviting the owner demotes them (reference §10.3);
4. copy: a finished copy of the assignment into the project is looked up with
   ``copy_path_status``; a pending one is waited for; otherwise a copy is started with
   ``wait_until_done=false`` and polled;
5. check: ``project_exec`` runs the check command in the project. It runs every time, since it
   reports the project's current state.

One student's failure never stops the others; it is recorded with its step and reason.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import AccountCreationFailedError
from .course_report import CourseReport, StepState, StudentReport
from .roster import Student

if TYPE_CHECKING:
    from .._generated.v1 import V1
    from ..client import Client

__all__ = ["project_title", "provision_course", "provision_student"]

#: Seconds the check command may run in each project.
CHECK_TIMEOUT_S = 30
#: Characters of the check's output kept in the report.
CHECK_OUTPUT_KEEP = 500


def project_title(course: str, email: str) -> str:
    """The title that identifies a student's project on re-runs; keyed on the e-mail, which the
    roster guarantees unique, not the name, which students ask to change."""
    return f"{course} - {email.lower()}"


def default_check(assignment_path: str) -> str:
    path = shlex.quote(assignment_path)
    return f"test -e {path} && ls -1 {path}"


async def provision_course(
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str = "Course",
    check_command: str | None = None,
    previous: CourseReport | None = None,
    concurrency: int = 10,
    progress: bool = True,
    copy_timeout: float = 600.0,
) -> CourseReport:
    """Provision every student of ``roster`` and return the report (students in roster order).

    ``previous`` is the report of an earlier run (``CourseReport.load(path)``); it supplies
    project ids the server may no longer list. ``report.failed`` is empty when all went well.
    """
    known = previous.by_email() if previous is not None else {}
    check = check_command or default_check(assignment_path)

    async def one(student: Student) -> StudentReport:
        return await provision_student(
            client,
            student,
            assignment_path,
            instructor_project_id=instructor_project_id,
            course=course,
            check_command=check,
            previous=known.get(student.email.lower()),
            copy_timeout=copy_timeout,
        )

    from ..bulk import run_map

    done: dict[str, StudentReport] = {}
    run = run_map(one, roster, concurrency=concurrency, progress=progress, description="provision")
    async for outcome in run:
        if outcome.result is not None:
            done[outcome.item.email] = outcome.result
        else:  # provision_student records step failures itself; this is a bug, still reported
            report = _blank(outcome.item)
            report.fail("account", outcome.exception or RuntimeError("no result"))
            done[outcome.item.email] = report
    return CourseReport(
        course=course,
        assignment_path=assignment_path,
        instructor_project_id=instructor_project_id,
        students=[done[s.email] for s in roster],
    )


def _blank(student: Student) -> StudentReport:
    return StudentReport(student.email.lower(), student.first_name, student.last_name)


async def provision_student(
    client: Client,
    student: Student,
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str,
    check_command: str,
    previous: StudentReport | None = None,
    copy_timeout: float = 600.0,
) -> StudentReport:
    """Run the five steps for one student; a failing step is recorded and ends this student."""
    v1 = client.v1
    report = _blank(student)
    step = "account"
    try:
        report.account_id, report.steps["account"] = await _account(v1, student)
        step = "project"
        known = previous.project_id if previous is not None else None
        project_id, users, report.steps["project"] = await _project(
            v1, project_title(course, student.email), known, course
        )
        report.project_id = project_id
        step = "collaborator"
        if report.account_id in users:
            report.steps["collaborator"] = "skipped"
        else:
            await v1.invite_collaborator(project_id=project_id, account_id=report.account_id)
            report.steps["collaborator"] = "done"
        step = "copy"
        report.steps["copy"] = await _copy(
            client, v1, instructor_project_id, assignment_path, project_id, copy_timeout
        )
        step = "check"
        result = await v1.project_exec(
            project_id=project_id, command=check_command, bash=True, timeout=CHECK_TIMEOUT_S
        )
        report.check_output = result.stdout[:CHECK_OUTPUT_KEEP]
        report.steps["check"] = "done"
    except Exception as exc:
        report.fail(step, exc)
    return report


async def _account(v1: V1, student: Student) -> tuple[str, StepState]:
    email = student.email.lower()
    found = await _find_account(v1, email)
    if found is not None:
        return found, "skipped"
    try:
        created = await v1.create_account(
            first_name=student.first_name,
            last_name=student.last_name,
            email_address=email,
            # The student signs in through "forgot password"; nobody ever needs this one.
            password=secrets.token_urlsafe(24),
            agreed_to_terms=True,
        )
    except AccountCreationFailedError:
        # Another run created it between our search and our create: use that account.
        found = await _find_account(v1, email)
        if found is None:
            raise
        return found, "skipped"
    return created.account_id, "done"


async def _find_account(v1: V1, email: str) -> str | None:
    hits = (await v1.user_search(query=email, limit=5)).results
    for hit in hits:
        if (hit.email_address or "").lower() == email:
            return hit.account_id
    return None


async def _project(
    v1: V1, title: str, known: str | None, course: str
) -> tuple[str, dict[str, Any], StepState]:
    """(project_id, users, step state): the known project, one with ``title``, or a new one."""
    if known:
        rows = await _projects(v1, {"project_id": known, "title": None, "users": None})
        if rows:
            return known, _users(rows[0]), "skipped"
    rows = await _projects(v1, {"project_id": None, "title": title, "users": None})
    matches = sorted(
        (r for r in rows if r.get("title") == title), key=lambda r: str(r.get("project_id"))
    )
    if matches:
        return str(matches[0]["project_id"]), _users(matches[0]), "skipped"
    created = await v1.create_project(title=title, description=f"{course} (provisioned)")
    return created.project_id, {}, "done"


async def _projects(v1: V1, where: dict[str, Any]) -> list[dict[str, Any]]:
    result = await v1.query(query={"projects": [where]})
    rows = result.query.get("projects") if isinstance(result.query, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _users(row: dict[str, Any]) -> dict[str, Any]:
    users = row.get("users")
    return users if isinstance(users, dict) else {}


async def _copy(
    client: Client, v1: V1, src: str, path: str, target: str, timeout: float
) -> StepState:
    from ..polling import copy_path_and_wait, wait_for_copy

    finished = await v1.copy_path_status(
        src_project_id=src, target_project_id=target, src_path=path, pending=False
    )
    rows = finished.data if isinstance(finished.data, list) else [finished.data]
    if any(r.finished is not None and r.error in (None, "") for r in rows):
        return "skipped"
    pending = await v1.copy_path_status(
        src_project_id=src, target_project_id=target, src_path=path, pending=True
    )
    waiting = pending.data if isinstance(pending.data, list) else [pending.data]
    if waiting and waiting[0].copy_path_id:
        # A copy from an interrupted run is still going: wait for it rather than start another.
        await wait_for_copy(client, waiting[0].copy_path_id, timeout=timeout)
        return "done"
    await copy_path_and_wait(client, src, path, target, timeout=timeout)
    return "done"
