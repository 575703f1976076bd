"""What a provisioning run did, per student and step, as JSON, CSV and a summary table.

A report written by one run is read back by the next, so a re-run knows which project belongs to
which student even when the server no longer lists it (the v1 ``projects`` query only returns
projects edited in the last 21 days).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["STEPS", "CourseReport", "StepState", "StudentReport"]

#: The steps, in order. ``check`` runs on every run: it reports the project's current state.
STEPS = ("account", "project", "collaborator", "copy", "check")
#: ``done``: this run did it; ``skipped``: it was already done; ``failed``: see ``error``;
#: ``pending``: not reached because an earlier step failed.
StepState = Literal["done", "skipped", "failed", "pending"]


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

    @property
    def ok(self) -> bool:
        return self.error is None and all(self.steps[s] in ("done", "skipped") for s in STEPS)

    def fail(self, step: str, error: BaseException) -> None:
        self.steps[step] = "failed"
        text = str(error).strip() or type(error).__name__
        self.error = f"{step}: {type(error).__name__}: {text}"


@dataclass
class CourseReport:
    course: str
    assignment_path: str
    instructor_project_id: str
    students: list[StudentReport] = field(default_factory=list)

    @property
    def failed(self) -> list[StudentReport]:
        return [s for s in self.students if not s.ok]

    def by_email(self) -> dict[str, StudentReport]:
        return {s.email: s for s in self.students}

    def counts(self) -> dict[str, dict[str, int]]:
        """For each step, how many students are ``done``, ``skipped``, ``failed``, ``pending``."""
        out: dict[str, dict[str, int]] = {}
        for step in STEPS:
            tally = dict.fromkeys(("done", "skipped", "failed", "pending"), 0)
            for s in self.students:
                tally[s.steps[step]] += 1
            out[step] = tally
        return out

    # -- formats ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "assignment_path": self.assignment_path,
            "instructor_project_id": self.instructor_project_id,
            "ok": not self.failed,
            "counts": self.counts(),
            "students": [asdict(s) for s in self.students],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CourseReport:
        students = []
        for raw in data.get("students", []):
            steps = {s: raw.get("steps", {}).get(s, "pending") for s in STEPS}
            students.append(
                StudentReport(
                    email=raw["email"],
                    first_name=raw.get("first_name", ""),
                    last_name=raw.get("last_name", ""),
                    account_id=raw.get("account_id"),
                    project_id=raw.get("project_id"),
                    steps=steps,
                    error=raw.get("error"),
                    check_output=raw.get("check_output", ""),
                )
            )
        return cls(
            course=data.get("course", ""),
            assignment_path=data.get("assignment_path", ""),
            instructor_project_id=data.get("instructor_project_id", ""),
            students=students,
        )

    @classmethod
    def load(cls, path: str | Path) -> CourseReport:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("email", "account_id", "project_id", *STEPS, "ok", "error"))
        for s in self.students:
            writer.writerow(
                (
                    s.email,
                    s.account_id or "",
                    s.project_id or "",
                    *(s.steps[step] for step in STEPS),
                    s.ok,
                    s.error or "",
                )
            )
        return out.getvalue()

    def summary_table(self) -> str:
        """Steps down, states across: what an instructor reads after a run."""
        counts = self.counts()
        lines = [f"{'step':<13}{'done':>6}{'skipped':>9}{'failed':>8}{'pending':>9}"]
        for step in STEPS:
            c = counts[step]
            lines.append(
                f"{step:<13}{c['done']:>6}{c['skipped']:>9}{c['failed']:>8}{c['pending']:>9}"
            )
        ok = len(self.students) - len(self.failed)
        lines.append(f"{ok} of {len(self.students)} students ready")
        for s in self.failed:
            lines.append(f"  FAILED {s.email}: {s.error}")
        return "\n".join(lines)
