"""The pytest plugin (entry point ``pytest11``): the ``cocalc_emulator`` fixture.

    async def test_ping(cocalc_emulator):
        ...  # cocalc_emulator.url, cocalc_emulator.api_key

Each test gets a fresh in-memory emulator, so state never leaks between tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .emulator import Emulator


@pytest_asyncio.fixture
async def cocalc_emulator() -> AsyncIterator[Emulator]:
    """A running emulator on 127.0.0.1 with a seeded instructor account."""
    async with Emulator() as emu:
        yield emu
