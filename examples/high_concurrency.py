"""10,000 calls through one Client with the bulk runner: bounded, with failures reported."""

from __future__ import annotations

import asyncio
import sys

from _env import connect


async def main(n: int = 10_000) -> None:
    async with connect() as client:

        async def one(i: int) -> str:
            return str((await client.conat.hub.system.ping()).now)

        ok = failed = 0
        async for outcome in client.map(one, range(n), concurrency=100):
            ok += outcome.ok
            failed += not outcome.ok
        print(f"{ok} ok, {failed} failed")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
