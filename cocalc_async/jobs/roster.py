"""The course roster: one student per CSV row with ``email``, ``first_name`` and ``last_name``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Student", "demo_roster", "parse_roster", "read_roster", "roster_csv"]

REQUIRED_COLUMNS = ("email", "first_name", "last_name")


@dataclass(frozen=True)
class Student:
    email: str
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def parse_roster(text: str) -> list[Student]:
    """Students from CSV text with a header row; e-mails are lower-cased and duplicates refused.

    Raises ``ValueError`` naming the line of the first bad row, so a typo in a roster of 300
    students is found before anything is created.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValueError(
            f"roster is missing column(s) {', '.join(missing)}; need {REQUIRED_COLUMNS}"
        )
    reader.fieldnames = header
    students: list[Student] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        email = (row.get("email") or "").strip().lower()
        if not email and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        if "@" not in email:
            raise ValueError(f"roster line {line}: {email!r} is not an e-mail address")
        if email in seen:
            raise ValueError(f"roster line {line}: {email} appears twice")
        seen.add(email)
        students.append(
            Student(
                email, (row.get("first_name") or "").strip(), (row.get("last_name") or "").strip()
            )
        )
    return students


def read_roster(path: str | Path) -> list[Student]:
    return parse_roster(Path(path).read_text(encoding="utf-8-sig"))


def demo_roster(count: int = 25) -> list[Student]:
    """Made-up students on the reserved ``example.com`` domain, for the embedded demo."""
    firsts = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine")
    lasts = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus")
    return [
        Student(f"student{i:02d}@example.com", firsts[i % len(firsts)], lasts[i % len(lasts)])
        for i in range(1, count + 1)
    ]


def roster_csv(students: Iterable[Student]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    for s in students:
        writer.writerow((s.email, s.first_name, s.last_name))
    return out.getvalue()
