"""pytest plugin: the ``cocalc_emulator`` fixture, registered through the ``pytest11`` entry point.

    def test_sync(cocalc_emulator):                 # plain tests work
        requests.post(cocalc_emulator.url + "/api/v2/...", auth=(cocalc_emulator.api_key, ""))

    async def test_async(cocalc_emulator):          # pytest-asyncio (strict or auto) or anyio
        async with Client(cocalc_emulator.url, api_key=cocalc_emulator.api_key) as client: ...

Each test gets a fresh in-memory emulator on 127.0.0.1, served from a background thread with
its own event loop (``ThreadedEmulator``), so the fixture is the same in sync tests and under
any async runner, and never depends on the test's loop or its scope. It has ``.url``,
``.api_key``, ``.account_id``, ``.admin_token`` and the helpers of ``Emulator``
(``create_account``, ``create_project``, ``faults``, ``requests``, ...), called synchronously.
``@pytest.mark.cocalc_emulator(v1=True, throttle=False)`` passes keywords to ``Emulator``.

Every pytest run of a project that installed cocalc-async loads this module, so it imports
nothing heavy: the emulator is imported only when a test asks for the fixture. An async test
that no installed plugin can run is an error that says what to install, never a silent skip.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .threaded import ThreadedEmulator

#: Markers that say which plugin runs an async test.
_ASYNC_MARKERS = ("asyncio", "anyio", "trio")
_HOW = (
    "an async test needs a plugin to run it: `pip install pytest-asyncio` and mark the test"
    ' `@pytest.mark.asyncio` (or set `asyncio_mode = "auto"`), or `pip install anyio` and mark'
    " it `@pytest.mark.anyio`. Sync tests need neither."
)


class FixtureSetupError(RuntimeError):
    """The ``cocalc_emulator`` fixture cannot serve this test; the text says what to change."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cocalc_emulator(**settings): keyword arguments for the cocalc_emulator fixture's"
        " Emulator, e.g. v1=True or throttle=False",
    )


def _check_runner(request: pytest.FixtureRequest) -> None:
    function = getattr(request.node, "function", None)
    if function is None or not inspect.iscoroutinefunction(function):
        return
    marked = [m for m in _ASYNC_MARKERS if request.node.get_closest_marker(m) is not None]
    plugins = request.config.pluginmanager
    if not marked:
        raise FixtureSetupError(f"{request.node.nodeid}: {_HOW}")
    if marked == ["asyncio"] and not plugins.has_plugin("asyncio"):
        raise FixtureSetupError(f"{request.node.nodeid}: marked asyncio, but {_HOW}")


@pytest.fixture(name="cocalc_emulator")
def cocalc_emulator(request: pytest.FixtureRequest) -> Iterator[ThreadedEmulator]:
    """A fresh CoCalc emulator on 127.0.0.1 (on its own thread), stopped after the test."""
    _check_runner(request)
    try:
        from .threaded import ThreadedEmulator
    except ImportError as err:  # aiohttp is a dependency of cocalc-async; a broken install
        raise FixtureSetupError(
            f"the cocalc_emulator fixture needs aiohttp ({err}); `pip install cocalc-async`"
        ) from err
    marker = request.node.get_closest_marker("cocalc_emulator")
    settings = dict(marker.kwargs) if marker is not None else {}
    with ThreadedEmulator(**settings) as emulator:
        yield emulator
