"""Shared by the examples: a Client for $COCALC_URL / $COCALC_API_KEY, or, when they are not set,
for an embedded emulator started here (127.0.0.1 only), so each example runs standalone."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cocalc_async import Client


@asynccontextmanager
async def connect(**client_options: object) -> AsyncIterator[Client]:
    if os.environ.get("COCALC_URL") and os.environ.get("COCALC_API_KEY"):
        async with Client(**client_options) as client:  # type: ignore[arg-type]
            yield client
        return
    from cocalc_async.testing import Emulator

    # Today's CoCalc: v2 and the conat bridges (the emulator answers /api/v1/* with a 404).
    async with Emulator() as emu, Client(emu.api_key, base_url=emu.url, **client_options) as client:  # type: ignore[arg-type]
        yield client


async def a_project(client: Client) -> str:
    """$COCALC_PROJECT_ID, or a new project."""
    pid = os.environ.get("COCALC_PROJECT_ID")
    if pid:
        return pid
    return (await client.v2.projects.create(title="cocalc_async example")).project_id
