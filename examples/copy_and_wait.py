"""Seed 002: copy a folder between projects, then wait for copy_path_status to say finished.

The server is asked not to wait (``wait_until_done=False``) and the copy is polled with backoff.
"""

from __future__ import annotations

import asyncio

from _env import a_project, connect


async def main() -> None:
    async with connect() as client:
        src, dst = await a_project(client), await a_project(client)
        await client.v1.write_text_file_to_project(
            project_id=src, path="demo/a.txt", content="hi\n"
        )
        started = await client.v1.copy_path_between_projects(
            src_project_id=src, src_path="demo", target_project_id=dst, wait_until_done=False
        )
        if started.copy_path_id:  # empty: the server already finished it; never poll ""
            status = await client.wait_for_copy(started.copy_path_id, timeout=120)
            print("copy", status.state, "at", status.finished)
        copied = await client.v1.read_text_file_from_project(project_id=dst, path="demo/a.txt")
        print("target has:", copied.content)


if __name__ == "__main__":
    asyncio.run(main())
