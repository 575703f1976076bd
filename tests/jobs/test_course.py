"""The course job against the emulator with the instructor's own (non-admin) key, in today's
era: provision (existing and not-yet-existing students), re-run repairs, collect, return,
status, preflight, retries and live events."""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cocalc_async import Client
from cocalc_async.cli.course import embedded_course
from cocalc_async.jobs import (
    CourseEvent,
    CourseJob,
    CourseReport,
    PreflightError,
    Student,
    StudentReport,
    course_status,
    demo_roster,
    provision_course,
)
from cocalc_async.jobs.course import MARKER, Marker, graded_path
from cocalc_async.jobs.demo import ASSIGNMENT
from cocalc_async.jobs.progress import CourseProgress
from cocalc_async.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]
ROSTER = [
    Student("old1@example.com", "Olga", "Öhman"),
    Student("old2@example.com", "Omar", "Ali"),
    Student("new1@example.com", "Nina", "Ng"),
    Student("new2@example.com", "Nils", "Nyström"),
    Student("new3@example.com", "Noor", "Nasser"),
]


class Course:
    def __init__(self, emu: Emulator, client: Client, pid: str) -> None:
        self.emu, self.client, self.pid = emu, client, pid

    def job(self, **options: object) -> CourseJob:
        return CourseJob(self.client, "C1", self.pid, ASSIGNMENT, **options)  # type: ignore[arg-type]

    def counts(self) -> tuple[int, int, int]:
        db = self.emu.store.db
        return (
            db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM projects").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM copy_paths").fetchone()[0],
        )


@pytest.fixture
async def course() -> AsyncIterator[Course]:
    async with embedded_course(roster=ROSTER, existing=2) as (emu, client, pid):
        yield Course(emu, client, pid)


def _v1_requests(emu: Emulator) -> list[str]:
    return [r.endpoint for r in emu.requests if r.endpoint.startswith("v1/")]


async def test_provision_with_the_instructors_key_adds_existing_and_invites_new(
    course: Course,
) -> None:
    emu = course.emu
    assert not emu.store.is_admin(emu.account_id)  # the seeded instructor is no admin
    report = await course.job().provision(ROSTER)
    assert not report.failed, report.summary_table()
    assert course.counts()[:2] == (1 + 2, 1 + 5)  # no account created, one project each
    for s in report.students:
        pid = s.project_id or ""
        assert emu.store.group_of(emu.account_id, pid) == "owner"
        assert (emu.project_dir(pid) / ASSIGNMENT / "problem1.py").exists()
        assert "problem1.py" in s.check_output
        if s.email.startswith("old"):
            assert s.account_id is not None
            assert emu.store.group_of(s.account_id, pid) == "collaborator"
            assert emu.invites(pid) == []
        else:
            assert s.account_id is None
            assert [i["email_address"] for i in emu.invites(pid)] == [s.email]
    assert _v1_requests(emu) == []
    assert "2 on their project with their account, 3 invited by e-mail" in report.summary_table()
    # The student's project is titled as CoCalc's course tool titles it and carries the marker.
    row = emu.store.db.execute(
        "SELECT title, description FROM projects WHERE project_id=?",
        (report.students[0].project_id,),
    ).fetchone()
    assert row[0] == "Olga Öhman - C1"
    marker = Marker.find(row[1])
    assert marker is not None
    assert marker.email == "old1@example.com"


async def test_rerun_after_deleting_one_copy_repairs_exactly_that_one(course: Course) -> None:
    first = await course.job().provision(ROSTER)
    assert not first.failed
    before = course.counts()
    victim = first.students[3]
    shutil.rmtree(course.emu.project_dir(victim.project_id or "") / ASSIGNMENT)

    # A fresh job and no report: what a re-run from another machine knows is what CoCalc holds.
    again = await course.job().provision(ROSTER)
    assert not again.failed
    assert [s.project_id for s in again.students] == [s.project_id for s in first.students]
    assert [s.steps["copy"] for s in again.students] == ["skipped"] * 3 + ["done", "skipped"]
    for step in ("account", "project", "collaborator"):
        assert again.counts()[step]["skipped"] == 5, step
    accounts, projects, copies = course.counts()
    assert (accounts, projects, copies) == (before[0], before[1], before[2] + 1)
    assert (course.emu.project_dir(victim.project_id or "") / ASSIGNMENT / "README.md").exists()
    # The invite is not sent twice.
    assert len(course.emu.invites(victim.project_id or "")) == 1


async def test_collect_return_and_status_end_to_end(course: Course) -> None:
    emu, job = course.emu, course.job()
    await job.provision(ROSTER)
    provisioned = (await course.job().status(ROSTER)).by_email()
    for email, row in provisioned.items():
        home = emu.project_dir(row.project_id or "")
        (home / ASSIGNMENT / "answer.txt").write_text(f"answer of {email}\n", encoding="utf-8")

    collected = await course.job().collect(ROSTER)
    assert not collected.failed, collected.summary_table()
    instructor = emu.project_dir(course.pid)
    for student in ROSTER:
        got = instructor / f"{ASSIGNMENT}-collected" / student.email / "answer.txt"
        assert got.read_text(encoding="utf-8") == f"answer of {student.email}\n"
        (got.parent / "GRADE.md").write_text("10/10\n", encoding="utf-8")

    returned = await course.job().return_graded(ROSTER)
    assert not returned.failed, returned.summary_table()
    for student in ROSTER:
        home = emu.project_dir(provisioned[student.email].project_id or "")
        assert (home / graded_path(ASSIGNMENT) / "GRADE.md").read_text() == "10/10\n"

    status = await course.job().status(ROSTER)
    table = status.summary_table()
    assert table.splitlines()[0].split()[:8] == [
        "email", "account", "project", "invited", "accepted", "copied", "collected", "returned",
    ]  # fmt: skip
    for s in status.students:
        assert (s.copied, s.collected, s.returned) == (True, True, True)
        assert s.project_id == provisioned[s.email].project_id
        if s.email.startswith("old"):
            assert (s.accepted, s.invited) == (True, False)
        else:
            assert (s.accepted, s.invited) == (False, True)


async def test_status_creates_nothing_and_shows_the_last_error(course: Course) -> None:
    before = course.counts()
    empty = await course_status(
        course.client, ROSTER, ASSIGNMENT, instructor_project_id=course.pid, course="C1"
    )
    assert course.counts() == before
    assert all(s.project_id is None and not s.copied for s in empty.students)
    failing = await course.job(check_command="echo broken >&2; exit 4").provision(ROSTER[:1])
    assert (
        failing.failed[0].error == "check: CheckFailedError: the check exited with code 4: broken"
    )
    status = await course.job().status(ROSTER[:1])
    assert status.students[0].last_error == failing.failed[0].error
    assert "the check exited with code 4" in status.summary_table()
    # A later success clears it.
    await course.job().provision(ROSTER[:1])
    assert (await course.job().status(ROSTER[:1])).students[0].last_error is None


async def test_preflight_refuses_before_anything_is_created(course: Course) -> None:
    emu = course.emu
    before = course.counts()
    with pytest.raises(PreflightError, match="'no-such-folder' does not exist"):
        await CourseJob(course.client, "C1", course.pid, "no-such-folder").preflight()
    stranger_pid = emu.create_project(emu.create_account(email_address="x@example.org")[0])
    with pytest.raises(PreflightError, match=f"project {stranger_pid} cannot be used"):
        await CourseJob(course.client, "C1", stranger_pid, ASSIGNMENT).preflight()
    with pytest.raises(PreflightError, match="--create-accounts needs an admin's key"):
        await course.job(create_accounts=True).preflight()
    project_key = emu.create_project_key(course.pid)
    async with Client(project_key, base_url=emu.url) as as_project:
        with pytest.raises(PreflightError, match="needs the instructor's account key"):
            await CourseJob(as_project, "C1", course.pid, ASSIGNMENT).preflight()
    async with Client("sk-wrong0000000000000000", base_url=emu.url, max_retries=0) as bad:
        with pytest.raises(PreflightError, match="refused"):
            await CourseJob(bad, "C1", course.pid, ASSIGNMENT).preflight()
    with pytest.raises(PreflightError):
        await provision_course(
            course.client, ROSTER, "missing", instructor_project_id=course.pid, progress=False
        )
    assert course.counts()[:2] == (before[0] + 1, before[1] + 1)  # only the stranger's
    with pytest.raises(ValueError, match="not a UUID"):
        CourseJob(course.client, "C1", "not-a-uuid", ASSIGNMENT)
    with pytest.raises(ValueError, match="inside the project"):
        CourseJob(course.client, "C1", course.pid, "../etc")


async def test_an_admin_key_with_create_accounts_creates_the_missing_accounts() -> None:
    async with embedded_course(roster=ROSTER, existing=2) as (emu, _, pid):
        admin_id, admin_key = emu.create_account("Root", "Admin", "root@example.com", admin=True)
        emu.add_collaborator(pid, admin_id)
        async with Client(admin_key, base_url=emu.url) as admin:
            job = CourseJob(admin, "C1", pid, ASSIGNMENT, create_accounts=True)
            await job.preflight()
            report = await job.provision(ROSTER)
        assert not report.failed, report.summary_table()
        assert [s.steps["account"] for s in report.students] == ["skipped"] * 2 + ["done"] * 3
        for s in report.students:
            assert emu.store.account_by_email(s.email) is not None
            assert emu.store.group_of(s.account_id or "", s.project_id or "") == "collaborator"


async def test_transient_errors_are_retried_inside_the_run(course: Course) -> None:
    events: list[CourseEvent] = []
    async with Client(course.emu.api_key, base_url=course.emu.url, max_retries=0) as client:
        course.emu.faults.add("v2/accounts/search", "http_503", times=2)
        job = CourseJob(client, "C1", course.pid, ASSIGNMENT, concurrency=1,
                        on_event=events.append, retry_delay=0.01)  # fmt: skip
        report = await job.provision(ROSTER[:2])
    assert not report.failed, report.summary_table()
    assert report.retried == 2
    retries = [e for e in events if e.kind == "retry"]
    assert [(e.email, e.step, e.attempt) for e in retries] == [
        ("old1@example.com", "account", 1),
        ("old1@example.com", "account", 2),
    ]
    assert "ServiceUnavailableError" in (retries[0].error or "")
    assert course.counts()[1] == 1 + 2  # no project made twice


async def test_lookups_are_retried_by_the_client_as_idempotent(course: Course) -> None:
    # The hub ran the look-up, then the connection broke: only an idempotent call may be sent
    # again, and a look-up is one, so the client retries it and the job never sees the error.
    for endpoint in ("v2/accounts/search", "v2/projects/get", "v2/projects/collaborators/list"):
        course.emu.faults.add(endpoint, "reset_after_handler", times=1)
    report = await course.job(retries=0).provision(ROSTER[:1])
    assert not report.failed, report.summary_table()
    assert course.emu.requests.count("v2/accounts/search") == 2
    assert course.emu.requests.count("v2/projects/collaborators/list") == 2


async def test_failures_are_reported_as_they_happen(course: Course) -> None:
    stream = io.StringIO()
    bar = CourseProgress(3, "provision", stream=stream)
    seen: list[tuple[str, int]] = []

    def sink(event: CourseEvent) -> None:
        bar(event)
        seen.append((event.kind, bar.failed))

    job = course.job(check_command="exit 3", on_event=sink)
    report = await job.provision(ROSTER[:3])
    bar.close()
    assert [k for k, _ in seen] == ["failed"] * 3
    # The count of failures grows during the run, not only in the final summary.
    assert [n for _, n in seen] == [1, 2, 3]
    out = stream.getvalue()
    assert "failed=3" in out
    assert "FAILED old1@example.com: check: CheckFailedError" in out
    summary = report.summary_table("cocalc-async course provision --only x")
    assert "0 of 3 students ok, 3 failed, 0 retried" in summary
    assert "retry only the failed students with:\n  cocalc-async course provision" in summary
    assert len(report.failed) == 3


def test_report_round_trips_through_json() -> None:
    report = CourseReport("C", "a", "p", action="status")
    report.students.append(
        StudentReport("a@b.org", steps={"status": "done"}, copied=True, last_error="x")
    )
    again = CourseReport.from_json(report.to_json())
    assert again.students[0].copied
    assert again.students[0].last_error == "x"
    assert again.action == "status"


def test_marker_keeps_the_instructors_lines() -> None:
    marker = Marker("abc", "a@b.org", invited_at=5.0)
    text = marker.describe_in("Line one\nLine two")
    assert text.splitlines()[:2] == ["Line one", "Line two"]
    assert text.splitlines()[2].startswith(MARKER)
    assert Marker.find(text) == marker
    assert Marker.find("no marker here") is None
    assert Marker.find(MARKER + " {broken") is None


def test_demo_roster_has_non_ascii_names() -> None:
    assert any(not s.name.isascii() for s in demo_roster(25))


def test_the_library_never_imports_the_emulator_nor_v1() -> None:
    # Importing the jobs does not load the emulator...
    code = "import sys, cocalc_async.jobs; print(any(m.startswith('cocalc_async.testing') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # ...and no module of jobs/ or the course CLI names the emulator or the v1 API.
    files = [*(ROOT / "cocalc_async" / "jobs").glob("*.py"), ROOT / "cocalc_async/cli/course.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr != "v1", f"{path.name}:{node.lineno} uses client.v1"
            if isinstance(node, ast.Constant) and node.value == "v1":
                raise AssertionError(f"{path.name}:{node.lineno} calls API v1")
            if isinstance(node, ast.ImportFrom) and path.parent.name == "jobs":
                assert "testing" not in (node.module or ""), f"{path.name} imports the emulator"


async def test_an_invited_student_who_signs_up_shows_as_accepted(course: Course) -> None:
    first = await course.job().provision(ROSTER)
    new1 = first.by_email()["new1@example.com"]
    assert new1.account_id is None
    # The student follows the invite and makes an account: CoCalc adds them to the project.
    account_id, _ = course.emu.create_account("Nina", "Ng", "new1@example.com")
    status = (await course.job().status(ROSTER)).by_email()["new1@example.com"]
    assert (status.account_id, status.invited, status.accepted) == (account_id, True, True)
    again = (await course.job().provision(ROSTER)).by_email()["new1@example.com"]
    assert again.account_id == account_id
    assert again.steps["collaborator"] == "skipped"  # already on the project; nothing sent
    assert course.counts()[1] == 1 + 5


async def test_library_rosters_are_checked_before_anything_is_sent(course: Course) -> None:
    sent = len(course.emu.requests)
    bad = [Student("a@example.com"), Student("A@Example.com"), Student("not-an-email")]
    with pytest.raises(ValueError, match="appears twice") as info:
        await course.job().provision(bad)
    assert "#2: 'not-an-email'" in str(info.value)
    assert len(course.emu.requests) == sent
    # Mixed case is what CoCalc stores lower-cased: the existing account is found.
    report = await course.job().provision([Student("OLD1@Example.COM", "Olga", "Öhman")])
    assert report.students[0].email == "old1@example.com"
    assert report.students[0].account_id is not None


async def test_no_key_in_a_jobs_repr_or_events(course: Course) -> None:
    events: list[CourseEvent] = []
    job = course.job(on_event=events.append, check_command="exit 2")
    await job.provision(ROSTER[:1])
    assert course.emu.api_key not in repr(job)
    assert events
    assert all(course.emu.api_key not in repr(e.to_json()) for e in events)


def test_progress_without_tqdm_prints_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` now raises ImportError
    stream = io.StringIO()
    bar = CourseProgress(2, "collect", stream=stream)
    bar(CourseEvent("collect", "retry", "a@b.org", "collect", "APITimeoutError: slow", 1))
    bar(CourseEvent("collect", "failed", "a@b.org", "collect", "CopyFailedError: no", 2))
    bar(CourseEvent("collect", "done", "c@d.org"))
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "retrying a@b.org (attempt 1): APITimeoutError: slow" in lines
    assert "FAILED a@b.org: CopyFailedError: no" in lines
    assert lines[-1] == "collect: 2/2 students, 1 done, 1 failed, 1 retried"
