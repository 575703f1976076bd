"""A long command as a v2 async exec job: start it, look at it, wait for it."""

from __future__ import annotations

import asyncio

from _env import a_project, connect


async def main() -> None:
    async with connect() as client:
        pid = await a_project(client)
        job = await client.exec_job(pid, "sleep 0.5; echo finished", timeout=60)
        print("job", job.job_id, "is", (await job.status()).status)
        result = await job.wait(timeout=120)
        print("job", result.status, "stdout:", result.stdout.strip())


if __name__ == "__main__":
    asyncio.run(main())
