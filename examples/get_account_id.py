"""The seed tutorial's first step: which account does this key belong to?"""

from __future__ import annotations

import asyncio

from _env import connect


async def main() -> None:
    async with connect() as client:
        result = await client.v1.query(query={"accounts": {"account_id": None}})
        assert isinstance(result.query, dict)
        print("account_id:", result.query["accounts"]["account_id"])  # type: ignore[call-overload,index]


if __name__ == "__main__":
    asyncio.run(main())
