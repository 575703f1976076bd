"""A long command as an async exec job: start it, look at it, wait for it.

The wait survives the hub cutting its hanging poll after about a minute: it polls again, in
CoCalc's own form (never resending the command), until ``wait_timeout``; ``exec_timeout`` is
the server's own limit on the command (docs/timeouts.md).
"""

from __future__ import annotations

import asyncio

from _env import a_project, connect


async def main() -> None:
    async with connect() as client:
        pid = await a_project(client)
        job = await client.exec_job(pid, "sleep 0.5; echo finished", exec_timeout=60)
        print("job", job.job_id, "is", (await job.status()).status)
        result = await job.wait(wait_timeout=120)
        print("job", result.status, "stdout:", result.stdout.strip())
        # The same through the conat project bridge, and stopping a job on the server:
        job = await client.exec_job(pid, "sleep 60", via="conat")
        print("cancelled:", (await job.cancel()).status != "running")


if __name__ == "__main__":
    asyncio.run(main())
