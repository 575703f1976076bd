"""Fixtures for the emulator's own tests: a running emulator and a raw HTTP helper.

The tests speak raw HTTP (aiohttp) on purpose: they pin the wire behaviour the SDK is tested
against, independently of the SDK's client code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from cocalc_async.testing import Emulator
from cocalc_async.testing.pytest_plugin import cocalc_emulator

from .emulator_helpers import Raw

__all__ = ["cocalc_emulator"]


@pytest_asyncio.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A fresh emulator; ``@pytest.mark.emulator_settings(v1=True)`` (on a test or a module)
    passes its keywords to ``Emulator``, e.g. to bring back the removed API v1."""
    marker = request.node.get_closest_marker("emulator_settings")
    settings = dict(marker.kwargs) if marker is not None else {}
    async with Emulator(**settings) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def raw(emu: Emulator) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(emu, session)
