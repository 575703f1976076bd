"""What a course job did, per student and step, as JSON, CSV and a summary table.

The report is a record of one run for the instructor; it is not what a re-run relies on. The
state a re-run needs lives in CoCalc itself (each student project carries a marker, see
:mod:`.course`), so a re-run from another machine finds the same projects.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "ACTION_STEPS",
    "STEPS",
    "CourseEvent",
    "CourseReport",
    "EventSink",
    "StepState",
    "StudentReport",
]

#: The steps of each action, in order. ``check`` runs on every provision: it reports the
#: project's current state.
ACTION_STEPS: dict[str, tuple[str, ...]] = {
    "provision": ("account", "project", "collaborator", "copy", "check"),
    "collect": ("collect",),
    "return": ("return",),
    "status": ("status",),
}
STEPS = ACTION_STEPS["provision"]
#: ``done``: this run did it; ``skipped``: it was already done; ``failed``: see ``error``;
#: ``pending``: not reached because an earlier step failed.
StepState = Literal["done", "skipped", "failed", "pending"]
STATES: tuple[StepState, ...] = ("done", "skipped", "failed", "pending")


# The live events of a run sit here, beside the report they feed, so that the progress bar
# reads them without importing the course job (which imports the progress bar).
@dataclass(frozen=True)
class CourseEvent:
    """One thing that happened to one student: ``kind`` is ``done``, ``failed`` or ``retry``."""

    action: str
    kind: str
    email: str
    step: str | None = None
    error: str | None = None
    attempt: int = 1
    account_id: str | None = None
    project_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "action": self.action,
            "email": self.email,
            "step": self.step,
            "error": self.error,
            "attempt": self.attempt,
            "account_id": self.account_id,
            "project_id": self.project_id,
        }


EventSink = Callable[[CourseEvent], None]


@dataclass
class StudentReport:
    email: str
    first_name: str = ""
    last_name: str = ""
    account_id: str | None = None
    project_id: str | None = None
    steps: dict[str, StepState] = field(default_factory=lambda: dict.fromkeys(STEPS, "pending"))
    error: str | None = None
    check_output: str = ""
    #: How many times this student was started again after a transient error.
    retries: int = 0
    #: ``status`` only: what CoCalc shows for this student right now.
    invited: bool = False
    accepted: bool = False
    copied: bool = False
    collected: bool = False
    returned: bool = False
    last_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(v in ("done", "skipped") for v in self.steps.values())

    def fail(self, step: str, error: BaseException) -> None:
        self.steps[step] = "failed"
        self.error = f"{step}: {describe(error)}"


def describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return f"{type(error).__name__}: {text}"


@dataclass
class CourseReport:
    course: str
    assignment_path: str
    instructor_project_id: str
    students: list[StudentReport] = field(default_factory=list)
    action: str = "provision"
    #: Roster rows that were not run, as ``"line N: reason"``.
    roster_problems: list[str] = field(default_factory=list)

    @property
    def steps(self) -> tuple[str, ...]:
        return ACTION_STEPS.get(self.action, STEPS)

    @property
    def failed(self) -> list[StudentReport]:
        return [s for s in self.students if not s.ok]

    @property
    def retried(self) -> int:
        return sum(s.retries for s in self.students)

    def by_email(self) -> dict[str, StudentReport]:
        return {s.email: s for s in self.students}

    def counts(self) -> dict[str, dict[str, int]]:
        """For each step, how many students are ``done``, ``skipped``, ``failed``, ``pending``."""
        out: dict[str, dict[str, int]] = {}
        for step in self.steps:
            tally: dict[str, int] = dict.fromkeys(STATES, 0)
            for s in self.students:
                tally[s.steps.get(step, "pending")] += 1
            out[step] = tally
        return out

    # -- formats ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "course": self.course,
            "assignment_path": self.assignment_path,
            "instructor_project_id": self.instructor_project_id,
            "ok": not self.failed and not self.roster_problems,
            "counts": self.counts(),
            "retried": self.retried,
            "roster_problems": list(self.roster_problems),
            "students": [asdict(s) for s in self.students],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CourseReport:
        action = str(data.get("action", "provision"))
        steps = ACTION_STEPS.get(action, STEPS)
        students = []
        known = set(StudentReport.__dataclass_fields__)
        for raw in data.get("students", []):
            fields = {k: v for k, v in raw.items() if k in known}
            fields["steps"] = {s: raw.get("steps", {}).get(s, "pending") for s in steps}
            students.append(StudentReport(**fields))
        return cls(
            course=data.get("course", ""),
            assignment_path=data.get("assignment_path", ""),
            instructor_project_id=data.get("instructor_project_id", ""),
            students=students,
            action=action,
            roster_problems=list(data.get("roster_problems", [])),
        )

    @classmethod
    def load(cls, path: str | Path) -> CourseReport:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("email", "account_id", "project_id", *self.steps, "ok", "error"))
        for s in self.students:
            writer.writerow(
                (
                    s.email,
                    s.account_id or "",
                    s.project_id or "",
                    *(s.steps.get(step, "pending") for step in self.steps),
                    s.ok,
                    s.error or "",
                )
            )
        return out.getvalue()

    def status_table(self) -> str:
        """``course status``: one line per student, what CoCalc shows right now."""

        def yn(flag: bool) -> str:
            return "yes" if flag else "-"

        head = ("email", "account", "project", "invited", "accepted", "copied", "collected",
                "returned", "last error")  # fmt: skip
        rows = [head]
        for s in self.students:
            rows.append(
                (
                    s.email,
                    (s.account_id or "-")[:8],
                    (s.project_id or "-")[:8],
                    yn(s.invited),
                    yn(s.accepted),
                    yn(s.copied),
                    yn(s.collected),
                    yn(s.returned),
                    s.last_error or s.error or "",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
        return "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
            for r in rows
        ).rstrip()

    def summary_table(self, retry_command: str | None = None) -> str:
        """Steps down, states across, then every failure with its reason: what an instructor
        reads after a run. ``retry_command`` is printed as the way to re-run only the failures."""
        if self.action == "status":
            return self.status_table()
        counts = self.counts()
        lines = [f"{'step':<13}{'done':>6}{'skipped':>9}{'failed':>8}{'pending':>9}"]
        for step in self.steps:
            c = counts[step]
            lines.append(
                f"{step:<13}{c['done']:>6}{c['skipped']:>9}{c['failed']:>8}{c['pending']:>9}"
            )
        ok = len(self.students) - len(self.failed)
        lines.append(
            f"{ok} of {len(self.students)} students ok, {len(self.failed)} failed,"
            f" {self.retried} retried"
        )
        if self.action == "provision" and self.students:
            members = sum(1 for s in self.students if s.account_id and s.project_id)
            invited = sum(1 for s in self.students if not s.account_id and s.project_id)
            lines.append(
                f"{members} on their project with their account, {invited} invited by e-mail"
                " (no account yet)"
            )
        for problem in self.roster_problems:
            lines.append(f"  SKIPPED roster {problem}")
        for s in self.failed:
            lines.append(f"  FAILED {s.email}: {s.error}")
        if self.failed and retry_command:
            lines.append(f"retry only the failed students with:\n  {retry_command}")
        return "\n".join(lines)
