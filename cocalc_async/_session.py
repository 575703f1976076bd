"""Session: runs calls over a transport, with the concurrency limit, retries and logging.

Everything here is independent of how bytes travel: a FIFO semaphore in front of the transport,
the in-flight bookkeeping behind ``close()``, the request id, the retry loop, DEBUG logging,
redaction of errors and ``classify_response``. The I/O itself is the transport's
(:mod:`cocalc_async.transport`; aiohttp by default).

The success path is kept lean on purpose (the benchmarks measure it against raw aiohttp): the
headers of a call are built once, the body is pre-encoded bytes, the transport is awaited
directly from the attempt, and tenacity is only entered once a first attempt has failed with a
retryable error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _defaults
from ._config import Timeout
from ._logging import logger, masked_body
from ._redact import sanitize_exception
from ._sansio import PreparedRequest, classify_response, new_request_id
from ._types import Json
from .errors import (
    ClientClosedError,
    CoCalcError,
    EventLoopMismatchError,
)
from .retry import DEFAULT_POLICY, RetryPolicy
from .transport import AiohttpTransport, Transport, TransportRequest

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["Session"]

# The message a close() cancellation carries, so the call can tell it from the caller's own.
_CLOSED_MESSAGE = "cocalc_async: client closed while the call was in flight"
_new_tuple = tuple.__new__
_debug_enabled = functools.partial(logger.isEnabledFor, logging.DEBUG)


class Session:
    """Runs calls over one transport with retries. Create one per Client.

    ``transport=None`` creates an :class:`~cocalc_async.transport.AiohttpTransport` from
    ``connection_limit``, ``max_response_bytes``, ``verify_ssl`` and ``keepalive_timeout``,
    and ``close()`` closes it; a transport passed in is used as is and left open by ``close()``.
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        timeout: Timeout,
        max_concurrency: int,
        retry: RetryPolicy = DEFAULT_POLICY,
        max_retries: int | None = None,
        connection_limit: int = _defaults.DEFAULT_CONNECTION_LIMIT,
        max_response_bytes: int = _defaults.DEFAULT_MAX_RESPONSE_BYTES,
        verify_ssl: bool = True,
        keepalive_timeout: float = _defaults.KEEPALIVE_TIMEOUT,
        transport: Transport | None = None,
    ) -> None:
        self._headers = dict(headers)
        self.timeout = timeout
        #: The default policy; ``max_retries`` (kept for callers of the old signature) sets its count.
        self.retry = retry if max_retries is None else retry.with_max_retries(max_retries)
        self.max_concurrency = max_concurrency
        self._owns_transport = transport is None
        if transport is None:
            transport = AiohttpTransport(
                connection_limit=connection_limit,
                max_response_bytes=max_response_bytes,
                verify_ssl=verify_ssl,
                keepalive_timeout=keepalive_timeout,
                default_headers=self._headers,
            )
            # Never admit more attempts than there are sockets: the extra ones would queue inside
            # aiohttp's connector, which is not FIFO and where their timeout is already running.
            self._permits = min(max_concurrency, connection_limit)
        else:
            self._permits = max_concurrency
        self._transport: Transport = transport
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._inflight: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._semaphore is not None else "idle")
        return (
            f"Session({state}, max_concurrency={self.max_concurrency}, "
            f"transport={type(self._transport).__name__}, in_flight={len(self._inflight)})"
        )

    @property
    def max_retries(self) -> int:
        return self.retry.max_retries

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def owns_transport(self) -> bool:
        """Whether ``close()`` closes the transport (only one this Session created)."""
        return self._owns_transport

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    # --- lifecycle --------------------------------------------------------------------------

    def _open(self) -> asyncio.Semaphore:
        """The semaphore, created in the running loop on first use."""
        if self._closed:
            raise ClientClosedError("this Client is closed; create a new one")
        loop = asyncio.get_running_loop()
        semaphore = self._semaphore
        if semaphore is None:
            semaphore = self._semaphore = asyncio.Semaphore(self._permits)
            self._loop = loop
        elif self._loop is not loop:
            raise EventLoopMismatchError(
                "this Client was first used in another event loop; create one Client per loop"
            )
        return semaphore

    async def close(self) -> None:
        """End in-flight calls with ClientClosedError, then close the transport if it is ours.

        Safe to call twice.
        """
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        for task in list(self._inflight):
            if task is not current and not task.done():
                task.cancel(_CLOSED_MESSAGE)
        if self._owns_transport:
            await self._transport.aclose()
        # Let cancelled calls run their handlers before the loop may be closed by the caller.
        await asyncio.sleep(0)

    # --- calls ------------------------------------------------------------------------------

    async def send(
        self,
        request: PreparedRequest,
        *,
        idempotent: bool,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
    ) -> Json:
        """Run one logical call: the first attempt inline, retries (if any) through tenacity.

        ``retry`` replaces the Session's policy for this call, ``max_retries`` its count.
        """
        loop = asyncio.get_running_loop()
        semaphore = self._semaphore
        if semaphore is None or self._closed or self._loop is not loop:
            semaphore = self._open()  # first use, or the error that says why not
        task = asyncio.current_task(loop)  # with the loop: it would look it up again
        if task is not None:
            self._inflight.add(task)
        request_id = new_request_id()
        attempt: TransportRequest | None = None
        try:
            try:
                # The first attempt is _attempt() written out: one coroutine frame fewer per call.
                if _debug_enabled():
                    attempt = self._first_attempt(request, request_id, timeout)
                    return await self._attempt(semaphore, request, attempt)
                await semaphore.acquire()
                try:
                    if self._closed:
                        raise ClientClosedError("this Client is closed; create a new one")
                    # Built once admitted: a call queued behind the semaphore then holds no
                    # headers or request objects for the cyclic GC to rescan (at C=1000 most
                    # calls are queued).
                    headers = self._headers.copy()
                    headers["X-Request-Id"] = request_id
                    # _first_attempt() written out, for the same frame; tuple.__new__ instead
                    # of the NamedTuple's constructor saves that constructor's frame as well.
                    attempt = _new_tuple(
                        TransportRequest,
                        (
                            request.method,
                            request.url,
                            headers,
                            request.body,
                            timeout or self.timeout,
                            f"{request.api}/{request.path}",
                            request_id,
                            1,
                        ),
                    )
                    status, answer_headers, body = await self._transport.handle(attempt)
                finally:
                    semaphore.release()
                return classify_response(
                    request.api,
                    request.path,
                    status,
                    answer_headers,
                    body,
                    request_id=request_id,
                    attempts=1,
                )
            except CoCalcError as first_error:
                policy = retry or self.retry
                if max_retries is not None:
                    policy = policy.with_max_retries(max_retries)
                if attempt is None or not policy.should_retry(first_error, 1, idempotent):
                    raise
                return await self._retry(first_error, request, attempt, policy, idempotent)
        except CoCalcError as exc:
            # The one exit for errors: the error and its whole chain of causes (aiohttp's carry
            # URLs, raw status lines and request headers) hold only redacted text from here on.
            sanitize_exception(exc)
            raise
        except asyncio.CancelledError as exc:
            if self._closed and exc.args and exc.args[0] == _CLOSED_MESSAGE:
                if sys.version_info >= (3, 11) and task is not None:
                    task.uncancel()  # the caller's task was not cancelled by its owner
                raise ClientClosedError(
                    f"the Client was closed while {request.endpoint} was in flight"
                ) from None
            raise
        finally:
            if task is not None:
                self._inflight.discard(task)

    def _first_attempt(
        self, request: PreparedRequest, request_id: str, timeout: Timeout | None
    ) -> TransportRequest:
        headers = self._headers.copy()
        headers["X-Request-Id"] = request_id
        # tuple.__new__ instead of the NamedTuple's constructor: the same value without the
        # constructor's Python frame, a quarter of a microsecond on every call.
        return _new_tuple(
            TransportRequest,
            (
                request.method,
                request.url,
                headers,
                request.body,
                timeout or self.timeout,
                f"{request.api}/{request.path}",
                request_id,
                1,
            ),
        )

    async def _retry(
        self,
        first_error: CoCalcError,
        request: PreparedRequest,
        first: TransportRequest,
        policy: RetryPolicy,
        idempotent: bool,
    ) -> Json:
        pending: list[BaseException] = [first_error]
        attempt_number = 1

        async def attempt() -> Json:
            nonlocal attempt_number
            if pending:  # tenacity's first "attempt" replays the failure that brought us here
                raise pending.pop()
            attempt_number += 1
            semaphore = self._open()
            return await self._attempt(semaphore, request, first._replace(attempt=attempt_number))

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            logger.info(
                "retrying %s in %.2f s after attempt %d failed: %s (request_id=%s)",
                request.endpoint,
                delay,
                state.attempt_number,
                type(exc).__name__,
                first.request_id,
            )

        return await policy.retrying(idempotent=idempotent, before_sleep=log_retry)(attempt)

    async def _attempt(
        self,
        semaphore: asyncio.Semaphore,
        request: PreparedRequest,
        attempt: TransportRequest,
    ) -> Json:
        debug = _debug_enabled()
        started = time.perf_counter() if debug else 0.0
        # acquire/release rather than ``async with``: one coroutine object fewer per queued call,
        # and at C=1000 the queued calls' objects are what the cyclic GC keeps scanning.
        await semaphore.acquire()
        try:
            if self._closed:
                raise ClientClosedError("this Client is closed; create a new one")
            status, headers, body = await self._transport.handle(attempt)
        finally:
            semaphore.release()
        if debug:
            logger.debug(
                "%s %s -> %d in %.1f ms (attempt %d, request_id=%s) request=%s response=%s",
                request.method,
                request.endpoint,
                status,
                (time.perf_counter() - started) * 1000,
                attempt.attempt,
                attempt.request_id,
                masked_body(request.body),
                masked_body(body),
            )
        try:
            return classify_response(
                request.api,
                request.path,
                status,
                headers,
                body,
                request_id=attempt.request_id,
                attempts=attempt.attempt,
            )
        except CoCalcError as exc:
            sanitize_exception(exc)  # errors carry the server's text, which may echo our key
            raise
