"""Roster parsing: every bad row at once, with its true line number; good rows still usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from cocalc_async.jobs.roster import (
    RosterError,
    Student,
    load_roster,
    normalize_email,
    parse_roster,
    read_roster,
    roster_csv,
)

MESSY = (
    "email,first_name,last_name\n"  # 1
    "A@Example.com,Ann,Lee\n"  # 2
    "not-an-email,B,C\n"  # 3
    '"x@y.org","Two\n'  # 4: a quoted field over two lines
    'lines",Z\n'  # 5
    "\n"  # 6
    "a@example.com,Dup,E\n"  # 7
    "zoë@exämple.org,Zoë,Gödel\n"  # 8
    "q@x.org,1,2,3\n"  # 9
    "a@b@c.org,,\n"  # 10
    ",Nobody,\n"  # 11
    "ok@host,,\n"  # 12: no dot in the domain
)


def test_every_bad_row_is_reported_with_its_true_line() -> None:
    roster = load_roster(MESSY)
    assert [p.line for p in roster.problems] == [3, 7, 9, 10, 11, 12]
    reasons = {p.line: p.reason for p in roster.problems}
    assert "not an e-mail address" in reasons[3]
    assert "appears twice (first on line 2)" in reasons[7]
    assert "4 fields" in reasons[9]
    assert "no e-mail address" in reasons[11]
    # The good rows proceed, in file order, non-ASCII names and addresses intact.
    assert roster.students == [
        Student("a@example.com", "Ann", "Lee"),
        Student("x@y.org", "Two\nlines", "Z"),
        Student("zoë@exämple.org", "Zoë", "Gödel"),
    ]


def test_strict_parsing_lists_all_problems_in_one_error() -> None:
    with pytest.raises(RosterError) as info:
        parse_roster(MESSY, source="r.csv")
    assert len(info.value.problems) == 6
    text = str(info.value)
    assert text.startswith("r.csv: 6 bad row(s)")
    assert "line 3:" in text
    assert "line 12:" in text


def test_one_email_a_line_with_comments() -> None:
    roster = load_roster("# course roster\nA@b.org\n\nc@d.org\nbad\n")
    assert [s.email for s in roster.students] == ["a@b.org", "c@d.org"]
    assert [(p.line, "@-sign" in p.reason) for p in roster.problems] == [(5, True)]


def test_missing_email_column_and_empty_files_refuse_the_roster() -> None:
    with pytest.raises(RosterError, match="no 'email' column"):
        load_roster("name,surname\nAnn,Lee\n")
    with pytest.raises(RosterError, match="empty"):
        load_roster("\n\n")


def test_header_aliases_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("\ufeffE-mail,Surname,First Name\nx@y.org,Lee,Ann\n", encoding="utf-8")
    assert read_roster(path).students == [Student("x@y.org", "Ann", "Lee")]


def test_roster_csv_round_trips() -> None:
    students = [Student("a@b.org", "Zoë", "O'Brien, Jr."), Student("c@d.org")]
    assert parse_roster(roster_csv(students)) == students


def test_normalize_email_uses_a_real_validator() -> None:
    assert normalize_email("Ann.Lee@Example.COM") == "ann.lee@example.com"
    for bad in ("ann@", "@x.org", "a b@x.org", "ann@x..org", "a@b@c.org"):
        with pytest.raises(ValueError, match=r"\w"):
            normalize_email(bad)
