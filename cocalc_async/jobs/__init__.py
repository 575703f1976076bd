"""Batch jobs built on the client: course provisioning (``provision_course``) and its report."""

from __future__ import annotations

from .course import project_title, provision_course, provision_student
from .course_report import STEPS, CourseReport, StudentReport
from .roster import Student, demo_roster, parse_roster, read_roster

__all__ = [
    "STEPS",
    "CourseReport",
    "Student",
    "StudentReport",
    "demo_roster",
    "parse_roster",
    "project_title",
    "provision_course",
    "provision_student",
    "read_roster",
]
