"""v2 exec: the server-side exec_timeout, max_output truncation, and err_on_exit for the real exit code."""

from __future__ import annotations

import asyncio

from _env import a_project, connect

from cocalc_async.errors import APIResponseError


async def main() -> None:
    async with connect() as client:
        pid = await a_project(client)
        out = await client.v2.exec(project_id=pid, command="echo", args=["hello"])
        print("stdout:", out.stdout.strip())
        out = await client.v2.exec(project_id=pid, command="echo xyzxyz", max_output=3)
        print("truncated:", out.stdout.strip())
        out = await client.v2.exec(project_id=pid, command="exit 3", err_on_exit=False)
        print("exit code with err_on_exit=False:", out.exit_code)
        try:
            await client.v2.exec(project_id=pid, command="sleep 5", exec_timeout=1)
        except APIResponseError as exc:  # the hub reports the killed command in a 200 body
            print("timeout:", exc.message[:60])


if __name__ == "__main__":
    asyncio.run(main())
