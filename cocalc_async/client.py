"""Client: the one object users hold.

It resolves configuration, owns one :class:`~cocalc_async._session.Session`, and exposes
``call()`` plus the generated namespaces (``client.v1``, ``client.v2``, ``client.conat``) and
the helpers built on them.
"""

from __future__ import annotations

import base64
import functools
import logging
import platform
import warnings
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

from . import _defaults
from . import retry as _retry_policies
from ._config import Timeout, resolve_api_key, resolve_base_url, resolve_timeout
from ._endpoint_facts import is_idempotent, stretched_timeout
from ._logging import configure_from_env, register_secret
from ._sansio import build_request
from ._session import Session
from ._types import NOT_GIVEN, Json, NotGiven
from ._version import __version__
from .retry import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterable, Iterable

    from ._generated.conat import Conat
    from ._generated.v1 import V1
    from ._generated.v2 import V2
    from .bulk import Outcome, R, T, WorkFn
    from .doctor import DoctorReport
    from .embed import EmbedSession
    from .models.copy import CopyPathStatus
    from .polling import ExecJob
    from .query import Query
    from .transport import Transport

__all__ = ["Client"]

logger = logging.getLogger("cocalc_async")
#: Endpoints whose facts a Client keeps (far more than the spec has; ``call`` takes any path).
_MAX_FACTS = 4096


class Client:
    """An asyncio client for CoCalc's HTTP API.

    Use it as an async context manager so its connection pool is closed::

        async with Client(api_key="sk_...", base_url="https://cocalc.com") as client:
            pong = await client.call("conat/hub", "system.ping", {})

    Args:
        api_key: the account (or project) API key; defaults to ``COCALC_API_KEY``, then the
            ``api_key:`` line of the file named by ``COCALC_API_KEY_FILE``.
        base_url: the server, e.g. ``https://cocalc.com``; defaults to ``COCALC_URL``.
        request_timeout: seconds per attempt (60), or a :class:`Timeout` (connect, read, total);
            see docs/timeouts.md.
        connect_timeout: seconds to open a connection (10), within ``request_timeout``.
        timeout: the old name of ``request_timeout`` (deprecated: DeprecationWarning).
        retry: the :class:`~cocalc_async.retry.RetryPolicy` (which failures are repeated, how
            often, the backoff); ``RetryPolicy()`` by default.
        max_retries: retries after a first failed attempt (0 disables retrying); sets the
            policy's ``max_retries``.
        max_concurrency: attempts in flight at once; further calls wait in FIFO order.
        connection_limit: sockets in the pool.
        auth: ``"basic"`` (key as username, empty password; CoCalc's documented form) or ``"bearer"``.
        max_response_bytes: larger bodies are refused while being read.
        verify_ssl: verify TLS certificates; turning it off logs a warning.
        transport: what sends the requests (:mod:`cocalc_async.transport`): e.g. a
            ``MockTransport`` in unit tests or a ``ReplayTransport``. By default the Client
            creates an ``AiohttpTransport`` from ``connection_limit``, ``max_response_bytes``
            and ``verify_ssl`` and closes it in :meth:`close`; a transport passed here is used
            as is, those three arguments do not apply to it, and closing it is the caller's
            business (so one transport can serve several clients).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        request_timeout: Timeout | float | NotGiven = NOT_GIVEN,
        connect_timeout: float | NotGiven | None = NOT_GIVEN,
        timeout: Timeout | float | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        max_concurrency: int = _defaults.DEFAULT_MAX_CONCURRENCY,
        connection_limit: int = _defaults.DEFAULT_CONNECTION_LIMIT,
        auth: Literal["basic", "bearer"] = "basic",
        max_response_bytes: int = _defaults.DEFAULT_MAX_RESPONSE_BYTES,
        verify_ssl: bool = True,
        user_agent: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        configure_from_env()
        key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        if not isinstance(timeout, NotGiven):
            if not isinstance(request_timeout, NotGiven):
                raise TypeError("pass request_timeout= (or the deprecated timeout=), not both")
            warnings.warn(
                "Client(timeout=) is deprecated; use request_timeout= (and connect_timeout=)",
                DeprecationWarning,
                stacklevel=2,
            )
            request_timeout = timeout
        self._timeout = resolve_timeout(request_timeout, connect_timeout)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError(f"retry must be a cocalc_async.RetryPolicy, got {type(retry).__name__}")
        policy = retry or _retry_policies.DEFAULT_POLICY  # read now, so tests can swap it
        if max_retries is not None:
            _check_retries(max_retries)
            policy = policy.with_max_retries(max_retries)
        self._retry = policy
        self._facts: dict[tuple[str, str], tuple[bool, Timeout]] = {}
        _check_positive_int("max_concurrency", max_concurrency)
        _check_positive_int("connection_limit", connection_limit)
        _check_positive_int("max_response_bytes", max_response_bytes)
        if auth not in ("basic", "bearer"):
            raise ValueError(f"auth must be 'basic' or 'bearer', got {auth!r}")
        if not isinstance(verify_ssl, bool):
            raise TypeError("verify_ssl must be True or False")
        if not verify_ssl:
            logger.warning("TLS certificate verification is OFF for %s", self.base_url)
        self.auth = auth
        self._has_key = key is not None
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": user_agent or _default_user_agent(),
        }
        # Held so the logging filter keeps masking this key for as long as the client lives.
        self._secret = register_secret(key) if key is not None else None
        if key is not None:
            if auth == "basic":
                headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
            else:
                headers["Authorization"] = f"Bearer {key}"
        self._session = Session(
            headers=headers,
            timeout=self._timeout,
            retry=policy,
            max_concurrency=max_concurrency,
            connection_limit=connection_limit,
            max_response_bytes=max_response_bytes,
            verify_ssl=verify_ssl,
            transport=transport,
        )

    def __repr__(self) -> str:
        key = "<set>" if self._has_key else "<none>"
        return (
            f"Client(base_url={self.base_url!r}, api_key={key}, auth={self.auth!r}, "
            f"max_concurrency={self._session.max_concurrency}, closed={self._session.closed})"
        )

    @property
    def session(self) -> Session:
        """The Session doing this client's I/O (for inspection; its API is not stable)."""
        return self._session

    @property
    def closed(self) -> bool:
        return self._session.closed

    @property
    def has_key(self) -> bool:
        """Whether this client sends an API key (never the key itself)."""
        return self._has_key

    async def call(
        self,
        api: Literal["v1", "v2", "conat/hub", "conat/project"],
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
        timeout: Timeout | float | None = None,
    ) -> Json:
        """Call any endpoint and return its parsed JSON, or raise a typed :class:`CoCalcError`.

        Args:
            api: ``"v1"``, ``"v2"``, ``"conat/hub"`` or ``"conat/project"``.
            path: the v1 event (``"ping"``), the v2 path (``"projects/stop"``) or the conat RPC
                name (``"system.ping"``).
            params: the JSON body; ``None`` values are dropped. For conat: ``args``,
                ``timeout`` (ms) and, for projects, ``project_id``.
            request_timeout: this call's per-attempt timeout (seconds or a :class:`Timeout`);
                by default the client's, stretched to the spec's for a long call (exec, copy).
            retry: this call's :class:`~cocalc_async.retry.RetryPolicy` instead of the client's.
            max_retries: this call's retry count (with the client's policy, or ``retry``).
            idempotent: whether repeating the call is harmless; by default taken from the spec.
            timeout: the old name of ``request_timeout`` (deprecated).
        """
        if timeout is not None:
            if request_timeout is not None:
                raise TypeError("pass request_timeout= (or the deprecated timeout=), not both")
            warnings.warn(
                "Client.call(timeout=) is deprecated; use request_timeout=",
                DeprecationWarning,
                stacklevel=2,
            )
            request_timeout = timeout
        request = build_request(api, path, params, base_url=self.base_url)
        facts = self._facts.get((api, path)) or self._learn_facts(api, path)
        # By default a long call (exec, copy) gets at least the spec's timeout: facts[1].
        attempt_timeout = facts[1] if request_timeout is None else Timeout.coerce(request_timeout)
        if idempotent is None:
            idempotent = facts[0]
        if max_retries is not None:
            _check_retries(max_retries)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError(f"retry must be a cocalc_async.RetryPolicy, got {type(retry).__name__}")
        return await self._session.send(
            request,
            idempotent=idempotent,
            timeout=attempt_timeout,
            retry=retry or self._retry,
            max_retries=max_retries,
        )

    def _learn_facts(self, api: str, path: str) -> tuple[bool, Timeout]:
        """The spec's idempotency of ``(api, path)`` and this client's timeout for it, kept so
        that each later call does one dict lookup (bounded: ``call`` takes any path)."""
        facts = (
            is_idempotent(api, path),
            stretched_timeout(self._timeout, api, path) or self._timeout,
        )
        if len(self._facts) >= _MAX_FACTS:
            self._facts.clear()
        self._facts[(api, path)] = facts
        return facts

    def with_options(
        self,
        *,
        request_timeout: Timeout | float | NotGiven = NOT_GIVEN,
        connect_timeout: float | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
    ) -> Client:
        """A Client with other defaults that shares this one's connection pool and key.

        ``client.with_options(retry=RetryPolicy.never()).v2.projects.create(...)``, or
        ``slow = client.with_options(request_timeout=300)`` for a group of long calls (as
        openai-python's ``with_options``). Closing either client closes the pool they share.
        """
        clone = object.__new__(Client)
        state = dict(self.__dict__)
        for cached in ("v1", "v2", "conat", "query"):  # bound to self: rebuilt for the clone
            state.pop(cached, None)
        clone.__dict__.update(state)
        clone._facts = {}  # holds timeouts derived from this client's
        if not (isinstance(request_timeout, NotGiven) and isinstance(connect_timeout, NotGiven)):
            if isinstance(request_timeout, NotGiven):
                request_timeout = self._timeout
            elif isinstance(connect_timeout, NotGiven) and not isinstance(request_timeout, Timeout):
                connect_timeout = self._timeout.connect  # a new total keeps this connect limit
            clone._timeout = resolve_timeout(request_timeout, connect_timeout)
        if retry is not None:
            if not isinstance(retry, RetryPolicy):
                raise TypeError(
                    f"retry must be a cocalc_async.RetryPolicy, got {type(retry).__name__}"
                )
            clone._retry = retry
        if max_retries is not None:
            _check_retries(max_retries)
            clone._retry = clone._retry.with_max_retries(max_retries)
        return clone

    @property
    def retry(self) -> RetryPolicy:
        """This client's default :class:`~cocalc_async.retry.RetryPolicy`."""
        return self._retry

    @property
    def request_timeout(self) -> Timeout:
        """This client's default per-attempt limits."""
        return self._timeout

    # --- generated namespaces: loaded on first use so `import cocalc_async` stays cheap

    @functools.cached_property
    def v1(self) -> V1:
        """The legacy v1 message API: ``await client.v1.ping()``.

        CoCalc removed API v1 on 2025-05-29: a current hub answers every ``/api/v1/*`` path
        with its HTML 404 page. Use it only against hubs built before then; everything else here
        (``client.query``, the polling helpers, the CLI) uses v2 and conat.
        """
        from ._generated.v1 import V1

        return V1(self)

    @functools.cached_property
    def v2(self) -> V2:
        """The v2 REST API: ``await client.v2.projects.copy_path_status(copy_id=...)``."""
        from ._generated.v2 import V2

        return V2(self)

    @functools.cached_property
    def conat(self) -> Conat:
        """The conat bridge: ``await client.conat.hub.system.ping()``."""
        from ._generated.conat import Conat

        return Conat(self)

    @functools.cached_property
    def query(self) -> Query:
        """Database user queries through v2 ``user-query``:
        ``await client.query.get("accounts", account_id=None)``; ``client.query.via("conat")``
        for the hub bridge's ``db.userQuery``."""
        from .query import Query

        return Query(self)

    async def close(self) -> None:
        """Close the connection pool; calls still in flight raise ClientClosedError."""
        await self._session.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- long operations and bulk runs: thin wrappers over cocalc_async.polling and
    # cocalc_async.bulk, imported inside each method so `import cocalc_async` stays cheap.

    async def wait_for_copy(
        self,
        copy_path_id: str,
        *,
        wait_timeout: float | None = None,
        interval: float = 0.5,
        max_interval: float = 10,
        timeout: float | None = None,
    ) -> CopyPathStatus:
        """Poll v1 ``copy_path_status`` until the copy ends, for at most ``wait_timeout`` seconds
        (default 600; ``timeout`` is its deprecated name); see
        :func:`cocalc_async.polling.wait_for_copy`."""
        from .polling import DEFAULT_WAIT_TIMEOUT_S, resolve_wait_timeout, wait_for_copy

        wait_s = resolve_wait_timeout(
            "wait_for_copy", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S
        )
        return await wait_for_copy(
            self, copy_path_id, wait_timeout=wait_s, interval=interval, max_interval=max_interval
        )

    async def wait_for_copy_v2(
        self,
        copy_id: str,
        *,
        wait_timeout: float | None = None,
        interval: float = 0.5,
        max_interval: float = 10,
        timeout: float | None = None,
    ) -> CopyPathStatus:
        """Poll v2 ``projects/copy-path-status`` until the copy ends (same contract as v1)."""
        from .polling import DEFAULT_WAIT_TIMEOUT_S, resolve_wait_timeout, wait_for_copy_v2

        wait_s = resolve_wait_timeout(
            "wait_for_copy_v2", wait_timeout, timeout, DEFAULT_WAIT_TIMEOUT_S
        )
        return await wait_for_copy_v2(
            self, copy_id, wait_timeout=wait_s, interval=interval, max_interval=max_interval
        )

    async def exec_job(
        self,
        project_id: str,
        command: str,
        *,
        args: Sequence[str] | None = None,
        path: str | None = None,
        exec_timeout: float | None = None,
        max_output: int | None = None,
        bash: bool | None = None,
        err_on_exit: bool | None = None,
        env: Mapping[str, str] | None = None,
        via: Literal["v2", "conat"] = "v2",
        timeout: float | None = None,
    ) -> ExecJob:
        """Start an async exec job (v2 ``exec``, or the conat project bridge with
        ``via="conat"``); ``await job.wait()`` for its result, ``await job.cancel()`` to stop it.
        ``exec_timeout`` is the server's limit on the run time (``timeout`` its deprecated
        name; docs/timeouts.md). Only the options given are sent. See
        :func:`cocalc_async.polling.start_exec_job`."""
        import warnings

        from .polling import start_exec_job

        if timeout is not None:
            if exec_timeout is not None:
                raise TypeError("exec_job: give exec_timeout only; timeout is its old name")
            warnings.warn(
                "exec_job: timeout= is deprecated, use exec_timeout= (docs/timeouts.md)",
                DeprecationWarning,
                stacklevel=2,
            )
            exec_timeout = timeout
        return await start_exec_job(
            self,
            project_id,
            command,
            args=args,
            path=path,
            exec_timeout=exec_timeout,
            max_output=max_output,
            bash=bash,
            err_on_exit=err_on_exit,
            env=env,
            via=via,
        )

    async def doctor(self) -> DoctorReport:
        """Which APIs the server serves, whose key this is, the clock offset and the latency,
        with what to change when something is wrong; see :func:`cocalc_async.doctor.diagnose`.
        Every probe only reads."""
        from .doctor import diagnose

        return await diagnose(self)

    def map(
        self,
        fn: WorkFn[T, R],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = 50,
        progress: bool = False,
        fail_fast: bool = False,
    ) -> AsyncGenerator[Outcome[T, R], None]:
        """``async for outcome in client.map(fn, items)``; see :func:`cocalc_async.bulk.run_map`.

        ``progress=True`` shows a bar (tqdm on a terminal, plain lines otherwise); it is off by
        default because a library running inside a web backend should not write to stderr.
        """
        from .bulk import run_map

        return run_map(fn, items, concurrency=concurrency, progress=progress, fail_fast=fail_fast)

    async def map_all(
        self,
        fn: WorkFn[T, R],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = 50,
        progress: bool = False,
        fail_fast: bool = False,
    ) -> list[Outcome[T, R]]:
        """Every outcome of :meth:`map`, as a list."""
        from .bulk import map_all

        return await map_all(
            fn, items, concurrency=concurrency, progress=progress, fail_fast=fail_fast
        )

    # --- embedding: a thin wrapper over cocalc_async.embed

    async def embed_session(
        self,
        account_id: str,
        password: str | None,
        project_id: str,
        path: str,
        *,
        session: str = "",
    ) -> EmbedSession:
        """A sign-in URL as ``account_id`` (conat ``system.generateUserAuthToken``), the kiosk
        URL of ``path`` to open after it, and when to renew; see
        :func:`cocalc_async.embed.embed_session`."""
        from .embed import embed_session

        return await embed_session(self, account_id, password, project_id, path, session=session)


def _check_retries(value: object) -> None:
    if value is None:
        raise TypeError("max_retries must be an int; use 0 to disable retries")
    _check_positive_int("max_retries", value, allow_zero=True)


def _check_positive_int(name: str, value: object, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '>= 1'}, got {value}")


def _default_user_agent() -> str:
    return f"cocalc-async/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
