"""The course job at scale against the emulator: first run and re-run, at several concurrencies.

``python -m benchmarks.course --students 300 --concurrency 10 50``

For each concurrency a fresh emulator (in this process, 127.0.0.1, today's era) gets an
instructor (no admin) with the demo assignment; a third of the students already have an account
(added as collaborators), the others are invited by e-mail. Measured per run: wall time,
students per second, HTTP calls per student, failures; and the process's peak RSS (emulator
included, since it runs in-process) after each run. The re-run must create nothing: its
projects and copies are counted. Prints one ``RESULT {json}`` line per concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from typing import Any


def _peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def scenario(students: int, concurrency: int) -> dict[str, Any]:
    from cocalc_async import Client
    from cocalc_async.jobs import CourseJob, Student
    from cocalc_async.jobs.demo import ASSIGNMENT, seed_course
    from cocalc_async.testing import Emulator

    roster = [Student(f"s{i:04d}@example.com", "Student", f"N{i:04d}") for i in range(students)]
    out: dict[str, Any] = {"students": students, "concurrency": concurrency}
    with tempfile.TemporaryDirectory(prefix="cocalc-bench-course-") as data_dir:
        async with Emulator(data_dir=data_dir, copy_delay=0.0) as emu:  # noqa: SIM117
            async with Client(emu.api_key, base_url=emu.url) as client:
                for s in roster[: students // 3]:
                    emu.create_account(s.first_name, s.last_name, s.email)
                pid = await seed_course(client)
                db = emu.store.db

                def count(table: str) -> int:
                    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

                for label in ("first_run", "re_run"):
                    job = CourseJob(client, "Bench", pid, ASSIGNMENT, concurrency=concurrency)
                    await job.preflight()
                    calls = len(emu.requests)
                    before = (count("projects"), count("copy_paths"))
                    t0 = time.perf_counter()
                    report = await job.provision(roster)
                    wall = time.perf_counter() - t0
                    calls = len(emu.requests) - calls
                    out[label] = {
                        "wall_s": round(wall, 2),
                        "students_per_s": round(students / wall, 1),
                        "http_calls_per_student": round(calls / students, 1),
                        "failed": len(report.failed),
                        "retried": report.retried,
                        "projects_created": count("projects") - before[0],
                        "copies_made": count("copy_paths") - before[1],
                        "peak_rss_mib": round(_peak_rss_mib(), 1),
                    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--students", type=int, default=300, help="roster size")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[10, 50], help="students at once"
    )
    args = parser.parse_args(argv)
    for c in args.concurrency:
        result = asyncio.run(scenario(args.students, c))
        print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
