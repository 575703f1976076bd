"""Copy a folder between projects with v2 ``projects/copy-path`` and wait until it has finished.

``wait=True`` asks the server not to wait (``wait_until_done=False``) and polls
``projects/copy-path-status`` with backoff. A hub that copies at once answers ``copy_id: ""``
and there is nothing to poll: the result is then ``None``.
"""

from __future__ import annotations

import asyncio

from _env import a_project, connect


async def main() -> None:
    async with connect() as client:
        src, dst = await a_project(client), await a_project(client)
        await client.v2.projects.write_text_file(project_id=src, path="demo/a.txt", content="hi\n")
        status = await client.v2.projects.copy_path(
            src_project_id=src, path="demo", target_project_id=dst, wait=True, wait_timeout=120
        )
        print("copy finished", "at once" if status is None else f"at {status.finished}")
        copied = await client.conat.project.system.read_text_file_from_project(
            dst, path="demo/a.txt"
        )
        print("target has:", copied)


if __name__ == "__main__":
    asyncio.run(main())
