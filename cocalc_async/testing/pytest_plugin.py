"""pytest plugin: the ``cocalc_emulator`` fixture, registered through the ``pytest11`` entry point.

Users get it with ``pip install cocalc-async``; the emulator is imported only when a test asks
for the fixture, so the plugin costs nothing to projects that never use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio

if TYPE_CHECKING:
    from cocalc_async.testing import Emulator


@pytest_asyncio.fixture
async def cocalc_emulator() -> AsyncIterator[Emulator]:
    """A fresh in-process CoCalc emulator on 127.0.0.1, stopped after the test."""
    from cocalc_async.testing import Emulator

    async with Emulator() as emulator:
        yield emulator
