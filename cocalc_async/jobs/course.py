"""Course jobs the way CoCalc's own course tool runs them, on API v2 and the conat bridge.

    job = CourseJob(client, course="Math 101", instructor_project_id=pid,
                    assignment_path="assignment-1")
    await job.preflight("provision")          # nothing is created before this passes
    report = await job.provision(roster)       # then job.collect(...), job.return_graded(...)

What CoCalc's course tool does (``src/packages/frontend/course/student-projects/actions.ts``
and ``assignments/actions.ts`` @5cb3315c30), and so what this does for every student:

1. account: looked up by exact e-mail (v2 ``accounts/search``). A student without an account is
   invited by e-mail (conat ``projects.inviteCollaboratorWithoutAccount``); only with
   ``create_accounts`` and an admin's key is the account created (v2 ``auth/sign-up``: CoCalc
   refuses anyone else, "Only users in the group 'admin' are allowed to create new users");
2. project: one per student, created by the instructor's key (so the instructor owns it),
   titled ``"<student name> - <course>"``;
3. collaborator: the student's account is added (v2 ``projects/collaborators/add``);
4. copy: the assignment is copied in (v2 ``projects/copy-path``, polled when a ``copy_id``
   comes back) unless it is already there (v2 ``exec`` ``test -e``), so a deleted copy is
   copied again;
5. check: the check command runs in the project (v2 ``exec``), on every run.

``collect`` copies each student's ``<assignment>`` back to ``<assignment>-collected/<email>``
in the instructor's project; ``return_graded`` copies that folder to ``graded-<assignment>`` in
the student's project; ``status`` reports what CoCalc holds, creating nothing.

**State lives in CoCalc.** Each student project's description ends with a marker line naming
the course (a hash of the instructor project and the course name) and the student's e-mail, plus
when the invite was sent and the last error. A re-run, from any machine, lists the instructor's
projects (v2 ``projects/get``), finds each student's by its marker, repairs what is missing and
duplicates nothing.

**Retries.** Each call is retried by the client under the SDK's idempotency rules (look-ups are
idempotent; creating, inviting and copying are not). On top of that a student whose run ended in
a transient error (connection, timeout, 429, 5xx, the hub's throttle text) is started again, up to
``retries`` times: every step looks before it acts, so starting again repeats nothing, and the
project list is read afresh first, so a project whose creation answer was lost is found, not made
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import posixpath
import random
import secrets
import shlex
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .course_report import ACTION_STEPS, CourseEvent, CourseReport, EventSink, StudentReport
from .roster import Student

if TYPE_CHECKING:
    from .._generated.v2 import V2
    from ..client import Client

__all__ = [
    "MARKER",
    "CheckFailedError",
    "CourseEvent",
    "CourseJob",
    "Marker",
    "PreflightError",
    "collect_course",
    "course_id",
    "course_status",
    "graded_path",
    "project_title",
    "provision_course",
    "return_course",
]

#: Seconds the check command may run in each project.
CHECK_TIMEOUT_S = 30
#: Characters of the check's output kept in the report.
CHECK_OUTPUT_KEEP = 500
#: How many of the instructor's projects one ``projects/get`` returns. CoCalc's default is 50,
#: ordered by last edit (``src/packages/server/projects/get.ts:22`` @5cb3315c30), which would
#: lose the older student projects of a large course.
PROJECT_LIST_LIMIT = 100_000
#: The line of a student project's description that carries the course job's state.
MARKER = "cocalc-course-job:"
#: Backoff before starting a student again after a transient error (seconds, doubled each time).
RETRY_DELAY_S = 0.5


class PreflightError(ValueError):
    """Something to fix before a course job may start; the message says what."""


class CheckFailedError(Exception):
    """The check command exited non-zero in a student's project."""


def course_id(instructor_project_id: str, course: str) -> str:
    """The course's identity in markers: the same course name in another instructor project is
    another course."""
    digest = hashlib.sha256(f"{instructor_project_id}\n{course}".encode()).hexdigest()
    return digest[:16]


def project_title(course: str, student: Student) -> str:
    """CoCalc's own title for a student project: ``"<student name> - <course title>"``."""
    return f"{student.name} - {course}"


def collect_dir(assignment_path: str) -> str:
    return f"{assignment_path.rstrip('/')}-collected"


def graded_path(assignment_path: str) -> str:
    """Where CoCalc returns graded work: ``graded-<name>`` beside the assignment."""
    head, tail = posixpath.split(assignment_path.rstrip("/"))
    return posixpath.join(head, f"graded-{tail}") if head else f"graded-{tail}"


@dataclass
class Marker:
    """The state kept in a student project's description (one line, ``MARKER`` + JSON)."""

    course: str
    email: str
    invited_at: float | None = None
    collected_at: float | None = None
    returned_at: float | None = None
    error: str | None = None

    def line(self) -> str:
        data = {k: v for k, v in vars(self).items() if v is not None}
        return MARKER + " " + json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def find(cls, description: str) -> Marker | None:
        for line in description.splitlines():
            if line.startswith(MARKER):
                try:
                    data = json.loads(line[len(MARKER) :])
                    return cls(
                        course=str(data["course"]),
                        email=str(data["email"]),
                        invited_at=data.get("invited_at"),
                        collected_at=data.get("collected_at"),
                        returned_at=data.get("returned_at"),
                        error=data.get("error"),
                    )
                except (ValueError, KeyError, TypeError):
                    return None
        return None

    def describe_in(self, description: str) -> str:
        """``description`` with this marker in place of the old one (other lines are kept)."""
        lines = [x for x in description.splitlines() if not x.startswith(MARKER)]
        return "\n".join([*lines, self.line()])


@dataclass
class _Project:
    project_id: str
    description: str
    marker: Marker


def is_transient(exc: BaseException) -> bool:
    """Worth starting the student again: the server may answer differently in a moment."""
    from ..errors import APIConnectionError, InternalServerError, RateLimitError

    if isinstance(exc, (APIConnectionError, RateLimitError, InternalServerError)):
        return True
    return "too many requests" in str(exc)


def check_path(name: str, path: str) -> str:
    """``path`` normalised, or ``ValueError``: a folder inside the project, never its root."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"{name} must be a non-empty path")
    clean = posixpath.normpath(path.strip())
    if clean.startswith(("/", "..")) or clean == ".":
        raise ValueError(f"{name} {path!r} must be a folder inside the project, like 'hw1'")
    return clean


@dataclass
class CourseJob:
    """The engine behind ``provision``, ``collect``, ``return_graded`` and ``status``."""

    client: Client
    course: str
    instructor_project_id: str
    assignment_path: str
    check_command: str | None = None
    create_accounts: bool = False
    concurrency: int = 10
    retries: int = 3
    #: How long each copy is polled for (its ``wait_timeout``; docs/timeouts.md), in seconds.
    copy_timeout: float = 600.0
    on_event: EventSink | None = None
    retry_delay: float = RETRY_DELAY_S
    _index: dict[str, _Project] | None = field(default=None, init=False, repr=False)
    _index_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _index_loaded_at: float = field(default=0.0, init=False, repr=False)
    _collected: set[str] | None = field(default=None, init=False, repr=False)
    #: The course's identity in the markers (see :func:`course_id`).
    course_id: str = field(default="", init=False)

    def __post_init__(self) -> None:
        try:
            uuid.UUID(str(self.instructor_project_id))
        except ValueError:
            raise ValueError(
                f"instructor_project_id {self.instructor_project_id!r} is not a UUID"
            ) from None
        if not isinstance(self.course, str) or not self.course.strip():
            raise ValueError("course must be a non-empty name")
        self.assignment_path = check_path("assignment_path", self.assignment_path)
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int):
            raise TypeError("concurrency must be an int")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")
        self.course_id = course_id(self.instructor_project_id, self.course)

    # -- preflight ----------------------------------------------------------------------------

    async def preflight(self, action: str = "provision") -> str:
        """Check, before anything is created, that this job can run; return the key's account.

        The key works and is an account's (conat ``system.test``); the instructor project exists
        and the key can write it; the assignment exists (the collected folder, for ``return``);
        ``create_accounts`` only with an admin's key. Raises :class:`PreflightError`.
        """
        from ..errors import AuthenticationError, CoCalcError, PermissionDeniedError

        try:
            me = await self.client.conat.hub.system.test()
        except (AuthenticationError, PermissionDeniedError) as exc:
            raise PreflightError(
                f"the API key was refused ({exc}); a course job needs the instructor's account"
                " key (not a project key)"
            ) from exc
        account_id = me.account_id
        if not account_id:
            raise PreflightError(
                "this key is not an account's (a project key?): a course job needs the"
                " instructor's account key (not a project key)"
            )
        need = self.assignment_path if action != "return" else collect_dir(self.assignment_path)
        script = f"test -w . || echo not-writable; test -e {shlex.quote(need)} || echo missing"
        try:
            out = await self._exec(self.instructor_project_id, script)
        except CoCalcError as exc:
            raise PreflightError(
                f"project {self.instructor_project_id} cannot be used by this key ({exc});"
                " give --project the id of a project the instructor can open"
            ) from exc
        if "not-writable" in out:
            raise PreflightError(f"the key cannot write project {self.instructor_project_id}")
        if "missing" in out and action in ("provision", "return"):
            what = "--assignment" if action == "provision" else "nothing collected yet:"
            raise PreflightError(
                f"{what} {need!r} does not exist in project {self.instructor_project_id}"
            )
        if self.create_accounts and action == "provision" and not await self._is_admin():
            raise PreflightError(
                "--create-accounts needs an admin's key (CoCalc: \"Only users in the group"
                " 'admin' are allowed to create new users\"); without it, students who have"
                " no account are invited by e-mail"
            )
        return str(account_id)

    async def _is_admin(self) -> bool:
        # The private profile says it: ``is_admin = !!groups?.includes("admin")``
        # (src/packages/server/accounts/profile/private.ts:23 @5cb3315c30).
        answer = await self.client.v2.accounts.profile()
        return answer.profile.is_admin is True

    # -- the actions --------------------------------------------------------------------------

    async def provision(self, roster: Sequence[Student]) -> CourseReport:
        return await self._run("provision", roster, self._provision_one)

    async def collect(self, roster: Sequence[Student]) -> CourseReport:
        return await self._run("collect", roster, self._collect_one)

    async def return_graded(self, roster: Sequence[Student]) -> CourseReport:
        return await self._run("return", roster, self._return_one)

    async def status(self, roster: Sequence[Student]) -> CourseReport:
        where = shlex.quote(collect_dir(self.assignment_path))
        out = await self._exec(self.instructor_project_id, f"ls -1A {where} 2>/dev/null || true")
        self._collected = {line.strip().lower() for line in out.splitlines() if line.strip()}
        return await self._run("status", roster, self._status_one)

    # -- running many students ----------------------------------------------------------------

    async def _run(
        self,
        action: str,
        roster: Sequence[Student],
        fn: Callable[[Student, StudentReport, bool], Awaitable[None]],
    ) -> CourseReport:
        from ..bulk import run_map

        roster = _checked(roster)
        await self._projects(refresh=True)
        steps = ACTION_STEPS[action]

        async def one(student: Student) -> StudentReport:
            retries = 0
            while True:
                report = StudentReport(
                    student.email, student.first_name, student.last_name,
                    steps=dict.fromkeys(steps, "pending"), retries=retries,
                )  # fmt: skip
                try:
                    await fn(student, report, retries > 0)
                except Exception as exc:
                    step = next((s for s in steps if report.steps[s] == "pending"), steps[-1])
                    report.fail(step, exc)
                    if is_transient(exc) and retries < self.retries:
                        retries += 1
                        self._emit(action, "retry", report, step, retries)
                        delay = self.retry_delay * 2 ** (retries - 1)
                        await asyncio.sleep(delay * (0.5 + random.random()))
                        continue
                    if action != "status":
                        await self._remember_error(report)
                    self._emit(action, "failed", report, step, retries + 1)
                    return report
                if action != "status":
                    await self._remember_error(report)
                self._emit(action, "done", report, None, retries + 1)
                return report

        done: dict[str, StudentReport] = {}
        async for outcome in run_map(one, roster, concurrency=self.concurrency, progress=False):
            if outcome.result is not None:
                done[outcome.item.email] = outcome.result
            else:  # `one` records failures itself; anything else is a bug, still reported
                report = StudentReport(outcome.item.email, steps=dict.fromkeys(steps, "pending"))
                report.fail(steps[0], outcome.exception or RuntimeError("no result"))
                done[outcome.item.email] = report
        return CourseReport(
            course=self.course,
            assignment_path=self.assignment_path,
            instructor_project_id=self.instructor_project_id,
            students=[done[s.email] for s in roster],
            action=action,
        )

    def _emit(
        self, action: str, kind: str, report: StudentReport, step: str | None, attempt: int
    ) -> None:
        if self.on_event is not None:
            self.on_event(
                CourseEvent(
                    action,
                    kind,
                    report.email,
                    step,
                    report.error if kind != "done" else None,
                    attempt,
                    report.account_id,
                    report.project_id,
                )
            )

    async def _remember_error(self, report: StudentReport) -> None:
        """Keep the last error (or its absence) in the student project's marker, best effort:
        ``status`` shows it from any machine."""
        from ..errors import CoCalcError

        project = (self._index or {}).get(report.email)
        if project is None or project.marker.error == report.error:
            return
        # Best effort: the report still carries the error; the marker catches up next run.
        with contextlib.suppress(CoCalcError):
            await self._save(project, replace(project.marker, error=report.error))

    # -- provision ----------------------------------------------------------------------------

    async def _provision_one(self, student: Student, r: StudentReport, again: bool) -> None:
        email = student.email
        r.account_id = await self._find_account(email)
        if r.account_id is None and self.create_accounts:
            r.account_id = await self._sign_up(student)
            r.steps["account"] = "done"
        else:
            r.steps["account"] = "skipped"

        project = (await self._projects(refresh=again)).get(email)
        if project is None:
            project = await self._create_project(student)
            r.steps["project"] = "done"
        else:
            r.steps["project"] = "skipped"
        r.project_id = project.project_id

        if r.account_id is not None:
            users = await self._collaborators(project.project_id)
            if r.account_id in users:
                r.steps["collaborator"] = "skipped"
            else:
                # Adding a collaborator twice leaves one: the call may be repeated.
                await _repeatable(self.client).projects.collaborators.add(
                    project_id=project.project_id, account_id=r.account_id
                )
                r.steps["collaborator"] = "done"
        elif project.marker.invited_at is not None:
            r.steps["collaborator"] = "skipped"
        else:
            await self._invite(student, project)
            r.steps["collaborator"] = "done"

        path = self.assignment_path
        if await self._exists(project.project_id, path):
            r.steps["copy"] = "skipped"
        else:
            await self._copy(self.instructor_project_id, path, project.project_id, path)
            r.steps["copy"] = "done"

        command = self.check_command or f"test -e {shlex.quote(path)} && ls -1 {shlex.quote(path)}"
        result = await self.client.v2.exec(
            project_id=project.project_id,
            command=command,
            bash=True,
            exec_timeout=CHECK_TIMEOUT_S,
            err_on_exit=False,
        )
        r.check_output = result.stdout[:CHECK_OUTPUT_KEEP]
        if result.exit_code:
            stderr = result.stderr.strip()[:200]
            raise CheckFailedError(f"the check exited with code {result.exit_code}: {stderr}")
        r.steps["check"] = "done"

    async def _find_account(self, email: str) -> str | None:
        for hit in await self.client.v2.accounts.search(query=email):
            if (hit.email_address or "").lower() == email:
                return hit.account_id
        return None

    async def _sign_up(self, student: Student) -> str:
        from ..errors import SignUpError

        try:
            signed_up = await self.client.v2.auth.sign_up(
                terms=True,
                email=student.email,
                # The student signs in through "forgot password"; nobody needs this one.
                password=secrets.token_urlsafe(24),
                firstName=student.first_name or student.email.split("@")[0],
                lastName=student.last_name or "Student",
            )
        except SignUpError:
            # Another run created it between our search and our sign-up: use that account.
            found = await self._find_account(student.email)
            if found is None:
                raise
            return found
        return signed_up.account_id

    async def _create_project(self, student: Student) -> _Project:
        marker = Marker(self.course_id, student.email)
        description = marker.describe_in(f"{self.course}: the project of {student.name}.")
        created = await self.client.v2.projects.create(
            title=project_title(self.course, student), description=description
        )
        project = _Project(created.project_id, description, marker)
        index = await self._projects()
        index.setdefault(student.email, project)
        return index[student.email]

    async def _invite(self, student: Student, project: _Project) -> None:
        link = f"{self.client.base_url.rstrip('/')}/projects/{project.project_id}/"
        await self.client.conat.hub.projects.invite_collaborator_without_account(
            project_id=project.project_id,
            title=project_title(self.course, student),
            link2proj=link,
            to=student.email,
            subject=f"Invitation to the course {self.course}",
            email=f"<p>Please join the course <b>{_html(self.course)}</b> on CoCalc: "
            f'<a href="{link}">your project</a>.</p>',
        )
        await self._save(project, replace(project.marker, invited_at=time.time()))

    # -- collect and return -------------------------------------------------------------------

    async def _collect_one(self, student: Student, r: StudentReport, again: bool) -> None:
        project = await self._student_project(student, r, again)
        target = posixpath.join(collect_dir(self.assignment_path), student.email)
        await self._copy(project.project_id, self.assignment_path, self.instructor_project_id,
                         target, check_in=self.instructor_project_id)  # fmt: skip
        await self._save(project, replace(project.marker, collected_at=time.time()))
        r.steps["collect"] = "done"

    async def _return_one(self, student: Student, r: StudentReport, again: bool) -> None:
        project = await self._student_project(student, r, again)
        source = posixpath.join(collect_dir(self.assignment_path), student.email)
        if not await self._exists(self.instructor_project_id, source):
            raise FileNotFoundError(f"nothing collected at {source!r}; run course collect first")
        await self._copy(self.instructor_project_id, source, project.project_id,
                         graded_path(self.assignment_path))  # fmt: skip
        await self._save(project, replace(project.marker, returned_at=time.time()))
        r.steps["return"] = "done"

    async def _student_project(self, student: Student, r: StudentReport, again: bool) -> _Project:
        project = (await self._projects(refresh=again)).get(student.email)
        if project is None:
            raise LookupError("no project of this course; run course provision first")
        r.project_id = project.project_id
        return project

    # -- status -------------------------------------------------------------------------------

    async def _status_one(self, student: Student, r: StudentReport, again: bool) -> None:
        r.account_id = await self._find_account(student.email)
        project = (await self._projects(refresh=again)).get(student.email)
        r.collected = student.email in (self._collected or set())
        if project is not None:
            r.project_id = project.project_id
            r.invited = project.marker.invited_at is not None
            r.last_error = project.marker.error
            if r.account_id is not None:
                r.accepted = r.account_id in await self._collaborators(project.project_id)
            a, g = shlex.quote(self.assignment_path), shlex.quote(graded_path(self.assignment_path))
            out = await self._exec(project.project_id,
                                   f"test -e {a} && echo copied; test -e {g} && echo returned")  # fmt: skip
            r.copied = "copied" in out
            r.returned = "returned" in out
        r.steps["status"] = "done"

    # -- CoCalc calls -------------------------------------------------------------------------

    async def _projects(self, *, refresh: bool = False) -> dict[str, _Project]:
        """The course's student projects by e-mail, from the instructor's project list.

        ``refresh`` reads the list again, at most once a second however many students ask."""
        async with self._index_lock:
            stale = time.monotonic() - self._index_loaded_at > 1.0
            if self._index is None or (refresh and stale):
                rows = await self.client.v2.projects.get(limit=PROJECT_LIST_LIMIT)
                index: dict[str, _Project] = {}
                # Oldest id first on a tie, so two runs racing pick the same project.
                for row in sorted(rows, key=lambda x: x.project_id):
                    description = row.description or ""
                    marker = Marker.find(description)
                    if marker is not None and marker.course == self.course_id:
                        index.setdefault(
                            marker.email, _Project(row.project_id, description, marker)
                        )
                if self._index is not None:  # keep what this run made and the list missed
                    for email, project in self._index.items():
                        index.setdefault(email, project)
                self._index = index
                self._index_loaded_at = time.monotonic()
            return self._index

    async def _save(self, project: _Project, marker: Marker) -> None:
        description = marker.describe_in(project.description)
        # Setting the same description twice is harmless: the call may be repeated.
        await _repeatable(self.client).projects.update(
            project_id=project.project_id, description=description
        )
        project.description, project.marker = description, marker

    async def _collaborators(self, project_id: str) -> set[str]:
        rows = await self.client.v2.projects.collaborators.list(project_id=project_id)
        return {row.account_id for row in rows}

    async def _exec(self, project_id: str, script: str) -> str:
        """Run a read-only shell snippet; its stdout (a look-up, so idempotent)."""
        out = await _repeatable(self.client).exec(
            project_id=project_id,
            command=script,
            bash=True,
            exec_timeout=CHECK_TIMEOUT_S,
            err_on_exit=False,
        )
        return out.stdout

    async def _exists(self, project_id: str, path: str) -> bool:
        return "yes" in await self._exec(project_id, f"test -e {shlex.quote(path)} && echo yes")

    async def _copy(
        self, src: str, path: str, target: str, target_path: str, *, check_in: str | None = None
    ) -> None:
        from ..errors import CopyFailedError

        # wait=True asks the hub not to wait (wait_until_done=False) and polls the copy for up
        # to copy_timeout seconds; an empty copy_id means the hub copied before answering (the
        # real hub does this) and there is nothing to poll. The copy is confirmed by looking.
        await self.client.v2.projects.copy_path(
            src_project_id=src,
            path=path,
            target_project_id=target,
            target_path=target_path,
            overwrite_newer=True,
            wait=True,
            wait_timeout=self.copy_timeout,
        )
        if not await self._exists(check_in or target, target_path):
            raise CopyFailedError(None, f"{path!r} was copied but {target_path!r} is not there")


def _checked(roster: Sequence[Student]) -> list[Student]:
    """The students with their e-mails as CoCalc stores them; ``ValueError`` naming every bad or
    repeated address before anything is sent (a library caller may skip :mod:`.roster`)."""
    from .roster import normalize_email

    out: list[Student] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, student in enumerate(roster):
        if not isinstance(student, Student):
            problems.append(f"#{i}: {student!r} is not a Student")
            continue
        try:
            email = normalize_email(student.email)
        except ValueError as exc:
            problems.append(f"#{i}: {student.email!r}: {exc}")
            continue
        if email in seen:
            problems.append(f"#{i}: {email} appears twice")
            continue
        seen.add(email)
        out.append(replace(student, email=email))
    if problems:
        raise ValueError(f"bad roster entries: {'; '.join(problems)}")
    return out


def _repeatable(client: Client) -> V2:
    """``client.v2`` for calls this job knows may be repeated although their endpoint may not
    in general (a read-only shell snippet, setting a description or a collaborator again)."""
    from .._generated.v2 import V2
    from .._runtime import CallAs

    return V2(CallAs(client, idempotent=True))


def _html(text: str) -> str:
    import html

    return html.escape(text)


# -- the library functions ----------------------------------------------------------------------


async def _run_action(
    action: str,
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str,
    progress: bool,
    preflight: bool,
    on_event: EventSink | None,
    **options: Any,
) -> CourseReport:
    from .progress import CourseProgress

    bar = CourseProgress(len(roster), action) if progress else None
    sinks = [s for s in (bar, on_event) if s is not None]

    def fan_out(event: CourseEvent) -> None:
        for sink in sinks:
            sink(event)

    job = CourseJob(client, course, instructor_project_id, assignment_path,
                    on_event=fan_out, **options)  # fmt: skip
    if preflight:
        await job.preflight(action)
    try:
        run = {"provision": job.provision, "collect": job.collect,
               "return": job.return_graded, "status": job.status}[action]  # fmt: skip
        return await run(roster)
    finally:
        if bar is not None:
            bar.close()


async def provision_course(
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str = "Course",
    check_command: str | None = None,
    create_accounts: bool = False,
    concurrency: int = 10,
    retries: int = 3,
    progress: bool = False,
    preflight: bool = True,
    on_event: EventSink | None = None,
    copy_timeout: float = 600.0,
) -> CourseReport:
    """Provision every student of ``roster``; the report lists them in roster order.

    Like every course function it is quiet unless ``progress=True`` (a bar with done, failed and
    retried counts on stderr); the ``course`` command of the CLI shows that bar unless
    ``--no-progress``.

    ``report.failed`` is empty when all went well. Raises :class:`PreflightError` before
    anything is created when the job cannot run (see :meth:`CourseJob.preflight`).
    """
    return await _run_action(
        "provision", client, roster, assignment_path,
        instructor_project_id=instructor_project_id, course=course, progress=progress,
        preflight=preflight, on_event=on_event, check_command=check_command,
        create_accounts=create_accounts, concurrency=concurrency, retries=retries,
        copy_timeout=copy_timeout,
    )  # fmt: skip


async def collect_course(
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str = "Course",
    concurrency: int = 10,
    progress: bool = False,
    preflight: bool = True,
    on_event: EventSink | None = None,
) -> CourseReport:
    """Copy each student's work to ``<assignment>-collected/<email>`` in the instructor's
    project."""
    return await _run_action(
        "collect", client, roster, assignment_path,
        instructor_project_id=instructor_project_id, course=course, progress=progress,
        preflight=preflight, on_event=on_event, concurrency=concurrency,
    )  # fmt: skip


async def return_course(
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str = "Course",
    concurrency: int = 10,
    progress: bool = False,
    preflight: bool = True,
    on_event: EventSink | None = None,
) -> CourseReport:
    """Copy each collected (and graded) folder back to ``graded-<assignment>`` in the student's
    project."""
    return await _run_action(
        "return", client, roster, assignment_path,
        instructor_project_id=instructor_project_id, course=course, progress=progress,
        preflight=preflight, on_event=on_event, concurrency=concurrency,
    )  # fmt: skip


async def course_status(
    client: Client,
    roster: Sequence[Student],
    assignment_path: str,
    *,
    instructor_project_id: str,
    course: str = "Course",
    concurrency: int = 10,
    progress: bool = False,
    preflight: bool = True,
    on_event: EventSink | None = None,
) -> CourseReport:
    """What CoCalc holds for each student (account, project, invited, accepted, copied,
    collected, returned, last error); creates nothing."""
    return await _run_action(
        "status", client, roster, assignment_path,
        instructor_project_id=instructor_project_id, course=course, progress=progress,
        preflight=preflight, on_event=on_event, concurrency=concurrency,
    )  # fmt: skip
