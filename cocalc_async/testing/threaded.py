"""``ThreadedEmulator``: the emulator on a background thread with its own event loop.

    with ThreadedEmulator() as emu:        # no event loop needed in the caller
        emu.url, emu.api_key, emu.account_id
        pid = emu.create_project()
        emu.faults.add("v2/exec", "http_502")
        emu.requests.count("v2/exec")

It is what the ``cocalc_emulator`` pytest fixture gives every test, sync or async, whatever runs
the test's loop (pytest-asyncio in strict or auto mode, anyio, trio): the server never depends
on the test's loop. The helper methods of ``Emulator`` (and of ``emu.faults``, ``emu.requests``,
``emu.store``, ``emu.ctx``) are the same, called synchronously: each call runs on the
emulator's thread, where its state lives (SQLite connections are bound to that thread), and
returns its result. Plain results (numbers, strings, tuples, lists, dicts, paths) come back
as they are; other emulator objects come back wrapped the same way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import enum
import inspect
import threading
from collections.abc import Callable, Iterator
from pathlib import PurePath
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import Emulator

#: How long one helper call may take on the emulator's thread before the caller gives up.
CALL_TIMEOUT_S = 60.0
_PLAIN = (str, bytes, int, float, bool, type(None), tuple, list, dict, set, frozenset,
          PurePath, enum.Enum)  # fmt: skip


class _Remote:
    """An object that lives on the emulator's thread; attribute reads, calls, iteration and
    ``len`` go through that thread."""

    __slots__ = ("_owner", "_target")

    def __init__(self, owner: ThreadedEmulator, target: Any) -> None:
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        target = object.__getattribute__(self, "_target")
        return owner._wrap(owner.call(getattr, target, name))

    def __setattr__(self, name: str, value: Any) -> None:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        owner.call(setattr, object.__getattribute__(self, "_target"), name, value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        return owner._wrap(owner.call(object.__getattribute__(self, "_target"), *args, **kwargs))

    def __iter__(self) -> Iterator[Any]:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        items = owner.call(list, object.__getattribute__(self, "_target"))
        return iter([owner._wrap(i) for i in items])

    def __len__(self) -> int:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        return int(owner.call(len, object.__getattribute__(self, "_target")))

    def __getitem__(self, key: Any) -> Any:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        target = object.__getattribute__(self, "_target")
        return owner._wrap(owner.call(lambda: target[key]))

    def __repr__(self) -> str:
        owner: ThreadedEmulator = object.__getattribute__(self, "_owner")
        return str(owner.call(repr, object.__getattribute__(self, "_target")))


class ThreadedEmulator:
    """``Emulator(**kwargs)`` served from its own thread; ``start``/``stop`` or ``with``."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._emu: Emulator | None = None
        self.url = ""
        self.api_key = ""
        self.account_id = ""
        self.admin_token = ""

    def start(self) -> ThreadedEmulator:
        from .emulator import Emulator

        started: concurrent.futures.Future[Emulator] = concurrent.futures.Future()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                emu = Emulator(**self._kwargs)
                loop.run_until_complete(emu.start())
            except BaseException as exc:  # handed to the starting thread, which raises it
                started.set_exception(exc)
                loop.close()
                return
            started.set_result(emu)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(emu.stop())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=serve, name="cocalc-emulator", daemon=True)
        self._thread.start()
        emu = started.result(CALL_TIMEOUT_S)
        self._emu = emu
        self.url, self.api_key = emu.url, emu.api_key
        self.account_id, self.admin_token = emu.account_id, emu.admin_token
        return self

    def stop(self) -> None:
        """Stop the server (its ``stop`` kills every running command) and join the thread."""
        loop, thread = self._loop, self._thread
        self._emu = None
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(CALL_TIMEOUT_S)
        self._loop = self._thread = None

    def __enter__(self) -> ThreadedEmulator:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- calls onto the emulator's thread -------------------------------------------------------

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the emulator's thread (awaited there if it is a
        coroutine function) and return its result or raise its exception."""
        loop = self._loop
        if loop is None or self._emu is None:
            raise RuntimeError("the emulator is not running (start() it, or use `with`)")
        if inspect.iscoroutinefunction(fn):
            return asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), loop).result(
                CALL_TIMEOUT_S
            )
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result(CALL_TIMEOUT_S)

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, _PLAIN):
            return value
        if callable(value) or type(value).__module__.startswith(
            ("cocalc_async.testing", "sqlite3")
        ):
            return _Remote(self, value)
        return value

    def __getattr__(self, name: str) -> Any:
        # only reached for names not set in __init__: the Emulator's helpers and properties
        if name.startswith("__"):
            raise AttributeError(name)
        emu = self.__dict__.get("_emu")
        if emu is None:
            raise AttributeError(f"{name!r}: the emulator is not running")
        return self._wrap(self.call(getattr, emu, name))

    def __repr__(self) -> str:
        return f"<ThreadedEmulator url={self.url or None!r}>"
