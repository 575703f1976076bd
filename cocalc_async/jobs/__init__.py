"""Course jobs on the client (v2 and the conat bridge): provision, collect, return, status.

The same engine (:class:`CourseJob`) runs the library functions and ``cocalc-async course``.
"""

from __future__ import annotations

from .course import (
    CheckFailedError,
    CourseEvent,
    CourseJob,
    PreflightError,
    collect_course,
    course_status,
    project_title,
    provision_course,
    return_course,
)
from .course_report import STEPS, CourseReport, StudentReport
from .roster import (
    Roster,
    RosterError,
    RosterProblem,
    Student,
    demo_roster,
    load_roster,
    parse_roster,
    read_roster,
)

__all__ = [
    "STEPS",
    "CheckFailedError",
    "CourseEvent",
    "CourseJob",
    "CourseReport",
    "PreflightError",
    "Roster",
    "RosterError",
    "RosterProblem",
    "Student",
    "StudentReport",
    "collect_course",
    "course_status",
    "demo_roster",
    "load_roster",
    "parse_roster",
    "project_title",
    "provision_course",
    "read_roster",
    "return_course",
]
