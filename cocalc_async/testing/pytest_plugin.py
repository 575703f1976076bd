"""pytest plugin: the ``cocalc_emulator`` fixture, registered through the ``pytest11`` entry point.

    async def test_ping(cocalc_emulator):
        ...  # cocalc_emulator.url, cocalc_emulator.api_key

Every pytest run of a project that installed cocalc-async loads this module, so it imports
nothing heavy: the emulator is imported only when a test asks for the fixture. Each test gets a
fresh in-memory emulator, so state never leaks between tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from cocalc_async.testing import Emulator

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - a user without pytest-asyncio
    pytest_asyncio = None  # type: ignore[assignment]


async def _emulator() -> AsyncIterator[Emulator]:
    from cocalc_async.testing import Emulator

    async with Emulator() as emulator:
        yield emulator


if pytest_asyncio is not None:
    cocalc_emulator = pytest_asyncio.fixture(_emulator, name="cocalc_emulator")
    cocalc_emulator.__doc__ = (
        "A fresh in-process CoCalc emulator on 127.0.0.1, stopped after the test."
    )
else:  # pragma: no cover

    @pytest.fixture(name="cocalc_emulator")
    def cocalc_emulator() -> None:
        """Needs pytest-asyncio: the emulator is an asyncio server."""
        pytest.skip("the cocalc_emulator fixture needs pytest-asyncio (pip install pytest-asyncio)")
