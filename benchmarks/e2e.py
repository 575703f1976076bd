"""End to end against the emulator: provisioning students with 50 ms injected latency.

``python -m benchmarks.e2e --students 200 --sequential-students 40``

Each student is the five steps of ``cocalc_async.jobs.course`` (account, project, collaborator,
copy of the assignment, check command): a dozen calls, each held 50 ms by the emulator
(``emu.faults.latency_ms``), which is what a real server across a network costs. Compared:

* the bulk runner, ``provision_course(..., concurrency=50)``, over ``--students`` students;
* a sequential ``for`` loop, one student at a time, what a user writes without the runner,
  over ``--sequential-students`` (fewer: at ~0.6 s a student, 200 would take two minutes and add
  nothing but time; the comparison is students per second, both measured).

Each side gets a fresh emulator. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import tempfile
import time
from typing import Any

from benchmarks.drivers import start_watchdog_simple

LATENCY_MS = 50.0
BULK_CONCURRENCY = 50
DEADLINE = 280.0  # the harness gives this module 300 s


def missing_parts() -> list[str]:
    missing = []
    for module, name in (
        ("cocalc_async.testing", "Emulator"),
        ("cocalc_async.jobs.course", "provision_course"),
        ("cocalc_async.jobs.roster", "Student"),
    ):
        try:
            if not hasattr(importlib.import_module(module), name):
                missing.append(f"{module}.{name}")
        except ImportError:
            missing.append(module)
    return missing


async def scenario(students: int, concurrency: int | None) -> dict[str, Any]:
    """Provision ``students`` on a fresh emulator; ``concurrency=None`` means a plain for loop."""
    testing = importlib.import_module("cocalc_async.testing")
    course = importlib.import_module("cocalc_async.jobs.course")
    roster_mod = importlib.import_module("cocalc_async.jobs.roster")
    cocalc_async = importlib.import_module("cocalc_async")
    roster = [
        roster_mod.Student(f"student{i:04d}@example.com", "Student", f"N{i:04d}")
        for i in range(students)
    ]
    with tempfile.TemporaryDirectory(prefix="cocalc-bench-") as data_dir:
        async with testing.Emulator(data_dir=data_dir) as emu:  # noqa: SIM117 (Client needs emu)
            async with cocalc_async.Client(api_key=emu.api_key, base_url=emu.url) as client:
                # Today's era: the course job runs on v2 and conat only.
                created = await client.call("v2", "projects/create", {"title": "Instructor"})
                pid = created["project_id"]
                await client.call(
                    "v2",
                    "projects/write-text-file",
                    {"project_id": pid, "path": "assignment.txt", "content": "Exercise 1\n"},
                )
                emu.faults.latency_ms = LATENCY_MS
                calls_before = len(emu.requests)
                t0 = time.perf_counter()
                if concurrency is None:
                    job = course.CourseJob(client, "Bench", pid, "assignment.txt", concurrency=1)
                    reports = []
                    for student in roster:
                        reports.extend((await job.provision([student])).students)
                    failed = [r for r in reports if not r.ok]
                else:
                    report = await course.provision_course(
                        client,
                        roster,
                        "assignment.txt",
                        instructor_project_id=pid,
                        course="Bench",
                        concurrency=concurrency,
                        progress=False,
                    )
                    failed = report.failed
                wall = time.perf_counter() - t0
                calls = len(emu.requests) - calls_before
    return {
        "runner": "sequential loop" if concurrency is None else f"bulk, concurrency={concurrency}",
        "students": students,
        "failed": len(failed),
        "failure_sample": repr(failed[0])[:200] if failed else "",
        "wall_s": wall,
        "students_per_s": students / wall,
        "http_calls": calls,
        "calls_per_student": calls / students,
    }


async def measure(students: int, sequential_students: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "scenario": f"provision students, {LATENCY_MS:.0f} ms injected latency",
        "latency_ms": LATENCY_MS,
    }
    missing = missing_parts()
    if missing:
        result["pending"] = "waiting for: " + ", ".join(missing)
        return result
    bulk = await scenario(students, BULK_CONCURRENCY)
    seq = await scenario(sequential_students, None)
    result["runs"] = [bulk, seq]
    result["speedup_students_per_s"] = bulk["students_per_s"] / seq["students_per_s"]
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--sequential-students", type=int, default=40)
    p.add_argument("--quick", action="store_true", help="10 students in bulk, 2 sequentially")
    p.add_argument("--full", action="store_true", help="the defaults (200 and 40)")
    args = p.parse_args(argv)
    if args.quick:
        args.students, args.sequential_students = 10, 2
    start_watchdog_simple(DEADLINE, {"error": f"e2e watchdog fired after {DEADLINE:.0f} s"})
    try:
        result = asyncio.run(measure(args.students, args.sequential_students))
    except Exception as exc:  # the emulator and jobs are young: report, do not crash
        result = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
