"""Course provisioning as a library call: a roster, an assignment folder, a report."""

from __future__ import annotations

import asyncio

from _env import a_project, connect

from cocalc_async.jobs import parse_roster, provision_course

ROSTER = """email,first_name,last_name
ana@example.com,Ana,Silva
bo@example.com,Bo,Chen
"""


async def main() -> None:
    async with connect() as client:
        pid = await a_project(client)
        await client.v2.projects.write_text_file(
            project_id=pid, path="hw1/task.md", content="# HW1\n"
        )
        report = await provision_course(
            client,
            parse_roster(ROSTER),
            "hw1",
            instructor_project_id=pid,
            course="Example",
            progress=True,  # the library is quiet unless asked; a script may want the bar
        )
        print(report.summary_table())
        raise SystemExit(1 if report.failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
