"""Which account does this key belong to? A v2 user query, and conat ``system.test``."""

from __future__ import annotations

import asyncio

from _env import connect


async def main() -> None:
    async with connect() as client:
        me = await client.query.get("accounts", account_id=None, first_name=None)
        print("account_id:", me["account_id"])
        print("system.test says:", (await client.conat.hub.system.test()).account_id)


if __name__ == "__main__":
    asyncio.run(main())
