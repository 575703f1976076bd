"""The course roster: a CSV with an ``email`` column (``first_name``, ``last_name`` optional), or
one e-mail address a line.

    roster = load_roster(Path("roster.csv").read_text(encoding="utf-8-sig"))
    roster.students   # the good rows, in file order
    roster.problems   # every bad row at once: its true line number and the reason

Every row is checked before anything is sent, so a typo in a roster of 300 students is found
before a single project exists. Bad rows never hide good ones: a caller runs the good rows and
reports the bad ones, or refuses the whole file (``strict``; :func:`parse_roster`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "REQUIRED_COLUMNS",
    "Roster",
    "RosterError",
    "RosterProblem",
    "Student",
    "demo_roster",
    "load_roster",
    "normalize_email",
    "parse_roster",
    "read_roster",
    "roster_csv",
]

#: The header a CSV roster must have; names are optional (the course tool shows the e-mail).
REQUIRED_COLUMNS = ("email",)
#: Header spellings accepted for each column (compared lower-cased, spaces as underscores).
ALIASES = {
    "email": ("email", "email_address", "e-mail", "mail"),
    "first_name": ("first_name", "firstname", "first", "given_name"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
}


@dataclass(frozen=True)
class Student:
    email: str
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


@dataclass(frozen=True)
class RosterProblem:
    """One bad row: ``line`` is the 1-based line of the file where the row starts."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Roster:
    students: list[Student] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class RosterError(ValueError):
    """The roster cannot be used: every problem is listed, not only the first."""

    def __init__(self, problems: Iterable[RosterProblem], source: str = "roster") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} bad row(s): {lines}")


def normalize_email(text: str) -> str:
    """The address as CoCalc stores it (lower-cased), or ``ValueError`` saying what is wrong.

    ``email-validator`` checks the syntax (local part, domain, internationalised addresses)
    without any network look-up, so a roster parses the same offline.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


def _canonical(header: str) -> str | None:
    key = header.strip().lower().replace(" ", "_")
    for column, spellings in ALIASES.items():
        if key in spellings:
            return column
    return None


def _rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(first line of the row, its fields) for every CSV record, quoted newlines included."""
    reader = csv.reader(io.StringIO(text))
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def _looks_like_header(fields: list[str]) -> bool:
    return any(_canonical(f) == "email" for f in fields)


def load_roster(text: str, *, source: str = "roster") -> Roster:
    """Parse a roster, collecting every bad row; raises :class:`RosterError` only when no row
    can be read at all (no ``email`` column, an empty file)."""
    text = text.lstrip("\ufeff")
    rows = [(line, row) for line, row in _rows(text) if any(f.strip() for f in row)]
    rows = [(line, row) for line, row in rows if not row[0].lstrip().startswith("#")]
    if not rows:
        raise RosterError([RosterProblem(1, "the roster is empty")], source)
    first_line, first = rows[0]
    columns: list[str | None]
    if _looks_like_header(first):
        columns = [_canonical(f) for f in first]
        body = rows[1:]
    elif len(first) == 1 or "@" in first[0]:
        # No header: one e-mail a line (or e-mail first, then first and last name).
        names: list[str | None] = ["email", "first_name", "last_name"]
        columns = names[: max(len(r) for _, r in rows)]
        body = rows
    else:
        found = ", ".join(f.strip() for f in first) or "nothing"
        raise RosterError(
            [RosterProblem(first_line, f"no 'email' column in the header (found: {found})")],
            source,
        )
    where = {c: i for i, c in reversed(list(enumerate(columns))) if c is not None}
    roster = Roster()
    seen: dict[str, int] = {}
    for line, row in body:
        if len(row) > len(columns) and any(f.strip() for f in row[len(columns) :]):
            roster.problems.append(
                RosterProblem(line, f"{len(row)} fields, the header has {len(columns)}")
            )
            continue

        def get(column: str, row: list[str] = row) -> str:
            i = where.get(column)
            return row[i].strip() if i is not None and i < len(row) else ""

        raw = get("email")
        if not raw:
            roster.problems.append(RosterProblem(line, "no e-mail address"))
            continue
        try:
            email = normalize_email(raw)
        except ValueError as exc:
            roster.problems.append(RosterProblem(line, f"{raw!r} is not an e-mail address: {exc}"))
            continue
        if email in seen:
            roster.problems.append(
                RosterProblem(line, f"{email} appears twice (first on line {seen[email]})")
            )
            continue
        seen[email] = line
        roster.students.append(Student(email, get("first_name"), get("last_name")))
    return roster


def parse_roster(text: str, *, source: str = "roster") -> list[Student]:
    """The students of a roster that has no bad row; else :class:`RosterError` listing all."""
    roster = load_roster(text, source=source)
    if roster.problems:
        raise RosterError(roster.problems, source)
    return roster.students


def read_roster(path: str | Path) -> Roster:
    """:func:`load_roster` on a file (UTF-8, with or without a byte-order mark)."""
    return load_roster(Path(path).read_text(encoding="utf-8-sig"), source=str(path))


def demo_roster(count: int = 25) -> list[Student]:
    """Made-up students on the reserved ``example.com`` domain, for the embedded demo."""
    firsts = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Zoë")
    lasts = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Gödel")
    return [
        Student(f"student{i:02d}@example.com", firsts[i % len(firsts)], lasts[i % len(lasts)])
        for i in range(1, count + 1)
    ]


def roster_csv(students: Iterable[Student]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("email", "first_name", "last_name"))
    for s in students:
        writer.writerow((s.email, s.first_name, s.last_name))
    return out.getvalue()
