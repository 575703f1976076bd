"""The raw HTTP helper the emulator tests share (a module, not conftest, so tests can import it)."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

from cocalc_async.testing import Emulator


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


class Raw:
    """POSTs JSON to the emulator and returns ``(status, parsed body or text)``."""

    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    async def post(
        self, path: str, body: Any = None, key: str | None = "default", **kw: Any
    ) -> tuple[int, Any]:
        headers = kw.pop("headers", {})
        if key == "default":
            key = self.emu.api_key
        if key is not None:
            headers.update(basic(key))
        async with self.session.post(
            self.emu.url + path, json=body if body is not None else {}, headers=headers, **kw
        ) as resp:
            text = await resp.text()
            try:
                return resp.status, await resp.json(content_type=None)
            except ValueError:
                return resp.status, text

    async def v1(self, event: str, body: Any = None, key: str | None = "default") -> Any:
        return await self.post(f"/api/v1/{event}", body, key)

    async def v2(self, path: str, body: Any = None, key: str | None = "default") -> Any:
        status, data = await self.post(f"/api/v2/{path}", body, key)
        assert status == 200, (status, data)
        return data

    async def hub(self, name: str, args: Any = None, key: str | None = "default") -> Any:
        status, data = await self.post("/api/conat/hub", {"name": name, "args": args or []}, key)
        assert status == 200, (status, data)
        return data

    async def project(
        self, name: str, args: Any = None, key: str | None = "default", **extra: Any
    ) -> Any:
        body = {"name": name, "args": args or [], **extra}
        status, data = await self.post("/api/conat/project", body, key)
        assert status == 200, (status, data)
        return data


def field(row: Any, name: str) -> Any:
    """A column of a store row that must exist."""
    assert row is not None
    return row[name]
