"""Session: the only place that does network I/O.

One lazily created ``aiohttp.ClientSession`` with a bounded connector, a FIFO semaphore in front
of it, per-attempt timeouts, a bounded body reader and the retry loop.

The success path is kept lean on purpose (the benchmarks measure it against raw aiohttp): static
headers live on the aiohttp session, the body is pre-encoded bytes, and tenacity is only entered
once a first attempt has failed with a retryable error.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import hdrs

from . import _defaults, _retry
from ._config import Timeout
from ._logging import logger, masked_body
from ._redact import sanitize_exception
from ._sansio import PreparedRequest, classify_response, new_request_id
from ._types import Json
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    CoCalcError,
    EventLoopMismatchError,
    ResponseTooLargeError,
)

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["Session", "to_client_timeout"]

# The message a close() cancellation carries, so the call can tell it from the caller's own.
_CLOSED_MESSAGE = "cocalc_async: client closed while the call was in flight"
#: Bytes asked of the (decoded) body stream at a time; bounds what one step can overshoot.
_READ_CHUNK = 2**16


def to_client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    # sock_connect, not connect: aiohttp's `connect` includes the wait for a pooled connection,
    # which our semaphore already bounds.
    return aiohttp.ClientTimeout(
        total=timeout.total, connect=None, sock_connect=timeout.connect, sock_read=timeout.read
    )


class Session:
    """Owns the connection pool and runs calls with retries. Create one per Client."""

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        timeout: Timeout,
        max_retries: int,
        max_concurrency: int,
        connection_limit: int,
        max_response_bytes: int,
        verify_ssl: bool,
        keepalive_timeout: float = _defaults.KEEPALIVE_TIMEOUT,
    ) -> None:
        self._headers = dict(headers)
        self.timeout = timeout
        self.client_timeout = to_client_timeout(timeout)
        self.max_retries = max_retries
        self.max_concurrency = max_concurrency
        self.connection_limit = connection_limit
        self.max_response_bytes = max_response_bytes
        self.verify_ssl = verify_ssl
        self.keepalive_timeout = keepalive_timeout
        self._http: aiohttp.ClientSession | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._inflight: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._http is not None else "idle")
        return (
            f"Session({state}, max_concurrency={self.max_concurrency}, "
            f"connection_limit={self.connection_limit}, in_flight={len(self._inflight)})"
        )

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    # --- lifecycle --------------------------------------------------------------------------

    def _open(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        """The aiohttp session and semaphore, created in the running loop on first use."""
        if self._closed:
            raise ClientClosedError("this Client is closed; create a new one")
        loop = asyncio.get_running_loop()
        http, semaphore = self._http, self._semaphore
        if http is None or semaphore is None:
            connector = aiohttp.TCPConnector(
                limit=self.connection_limit,
                limit_per_host=0,
                ttl_dns_cache=_defaults.DNS_CACHE_TTL,
                keepalive_timeout=self.keepalive_timeout,
                ssl=self.verify_ssl,
            )
            http = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                timeout=self.client_timeout,
                raise_for_status=False,
                trust_env=False,
            )
            # Never admit more attempts than there are sockets: the extra ones would queue inside
            # aiohttp's connector, which is not FIFO and where their timeout is already running.
            semaphore = asyncio.Semaphore(min(self.max_concurrency, self.connection_limit))
            self._http, self._semaphore, self._loop = http, semaphore, loop
        elif self._loop is not loop:
            raise EventLoopMismatchError(
                "this Client was first used in another event loop; create one Client per loop"
            )
        return http, semaphore

    async def close(self) -> None:
        """End in-flight calls with ClientClosedError, then close the pool. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        for task in list(self._inflight):
            if task is not current and not task.done():
                task.cancel(_CLOSED_MESSAGE)
        http, self._http = self._http, None
        if http is not None:
            await http.close()
        # Let cancelled calls run their handlers before the loop may be closed by the caller.
        await asyncio.sleep(0)

    # --- calls ------------------------------------------------------------------------------

    async def send(
        self,
        request: PreparedRequest,
        *,
        idempotent: bool,
        timeout: aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
    ) -> Json:
        """Run one logical call: the first attempt inline, retries (if any) through tenacity."""
        http, semaphore = self._open()
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        request_id = new_request_id()
        client_timeout = timeout or self.client_timeout
        try:
            try:
                return await self._attempt(http, semaphore, request, request_id, 1, client_timeout)
            except CoCalcError as first_error:
                retries = self.max_retries if max_retries is None else max_retries
                if retries <= 0 or not _retry.is_retryable(first_error, idempotent=idempotent):
                    raise
                return await self._retry(
                    first_error, request, request_id, client_timeout, retries, idempotent
                )
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

    async def _retry(
        self,
        first_error: CoCalcError,
        request: PreparedRequest,
        request_id: str,
        client_timeout: aiohttp.ClientTimeout,
        retries: int,
        idempotent: bool,
    ) -> Json:
        # Imported here: tenacity is only needed once something has failed.
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        pending: list[BaseException] = [first_error]
        attempt_number = 1

        async def attempt() -> Json:
            nonlocal attempt_number
            if pending:  # tenacity's first "attempt" replays the failure that brought us here
                raise pending.pop()
            attempt_number += 1
            http, semaphore = self._open()
            return await self._attempt(
                http, semaphore, request, request_id, attempt_number, client_timeout
            )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome is not None else None
            return _retry.retry_delay(exc, state.attempt_number) if exc is not None else 0.0

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            logger.info(
                "retrying %s in %.2f s after attempt %d failed: %s (request_id=%s)",
                request.endpoint,
                delay,
                state.attempt_number,
                type(exc).__name__,
                request_id,
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(retries + 1),
            wait=wait,
            retry=retry_if_exception(lambda exc: _retry.is_retryable(exc, idempotent=idempotent)),
            before_sleep=log_retry,
            reraise=True,
        )
        return await retrying(attempt)

    async def _attempt(
        self,
        http: aiohttp.ClientSession,
        semaphore: asyncio.Semaphore,
        request: PreparedRequest,
        request_id: str,
        attempt: int,
        client_timeout: aiohttp.ClientTimeout,
    ) -> Json:
        debug = logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        # acquire/release rather than ``async with``: one coroutine object fewer per queued call,
        # and at C=1000 the queued calls' objects are what the cyclic GC keeps scanning.
        await semaphore.acquire()
        try:
            if self._closed:
                raise ClientClosedError("this Client is closed; create a new one")
            try:
                async with http.post(
                    request.url,
                    data=request.body,
                    headers={"X-Request-Id": request_id},
                    timeout=client_timeout,
                    max_redirects=_defaults.MAX_REDIRECTS,
                ) as response:
                    status = response.status
                    headers = response.headers
                    body = await self._read_body(response, request, request_id, attempt)
            except CoCalcError:
                raise
            except Exception as exc:
                raise self._transport_error(exc, request, request_id, attempt) from exc
        finally:
            semaphore.release()
        if debug:
            logger.debug(
                "%s %s -> %d in %.1f ms (attempt %d, request_id=%s) request=%s response=%s",
                request.method,
                request.endpoint,
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
                request_id,
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
                request_id=request_id,
                attempts=attempt,
            )
        except CoCalcError as exc:
            sanitize_exception(exc)  # errors carry the server's text, which may echo our key
            raise

    async def _read_body(
        self,
        response: aiohttp.ClientResponse,
        request: PreparedRequest,
        request_id: str,
        attempt: int,
    ) -> bytes:
        """Read the body, refusing it once its *decoded* size passes ``max_response_bytes``.

        ``Content-Length`` counts the bytes on the wire: a 1 MiB gzip, deflate or brotli body can
        inflate to gigabytes, so the limit is applied to what aiohttp's incremental decompressor
        hands over, chunk by chunk, and nothing is ever buffered past it.
        """
        limit = self.max_response_bytes
        length = response.content_length
        encoded = hdrs.CONTENT_ENCODING in response.headers
        if length is not None and length <= limit and not encoded:
            return await response.read()  # identity body of a known, small size: the fast path
        if length is None or encoded:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(_READ_CHUNK):
                size += len(chunk)
                if size > limit:
                    break
                chunks.append(chunk)
            else:
                return b"".join(chunks)
            chunks.clear()
        response.close()  # drop the connection instead of draining (or inflating) a huge body
        raise ResponseTooLargeError(
            f"the response is larger than max_response_bytes={limit}",
            endpoint=request.endpoint,
            status_code=response.status,
            request_id=request_id,
            attempts=attempt,
        )

    def _transport_error(
        self, exc: Exception, request: PreparedRequest, request_id: str, attempt: int
    ) -> CoCalcError:
        """Map an aiohttp/asyncio failure to our types, noting whether bytes may have been sent."""
        if isinstance(exc, RuntimeError) and self._closed:
            return ClientClosedError(
                f"the Client was closed while {request.endpoint} was in flight"
            )
        cls, message, sent, transient = _describe_transport_error(exc)
        return cls(
            message,
            endpoint=request.endpoint,
            request_id=request_id,
            attempts=attempt,
            may_have_reached_server=sent,
            transient=transient,
        )


def _describe_transport_error(
    exc: Exception,
) -> tuple[type[APIConnectionError], str, bool, bool]:
    """(error class, message, may the bytes have reached the server, may a retry help)."""
    if _nothing_was_sent(exc):
        return (
            APIConnectionError,
            "the pooled connection was closed before the request was written; nothing was sent",
            False,
            True,
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError, "timed out connecting to the server", False, True
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return APITimeoutError, "timed out waiting for the server to answer", True, True
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError, "the attempt exceeded its total timeout", True, True
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return (
            APIConnectionError,
            f"TLS certificate verification failed for {exc.host}",
            False,
            False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.strerror or type(exc.os_error).__name__
        return APIConnectionError, f"cannot connect to {exc.host}:{exc.port}: {reason}", False, True
    if isinstance(exc, aiohttp.TooManyRedirects):
        return APIConnectionError, "too many redirects", True, False
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.ClientResponseError)):
        return APIConnectionError, f"{type(exc).__name__}: {exc}", True, False
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return APIConnectionError, "the server closed the connection without answering", True, True
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError, "the response was cut off while it was being read", True, True
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        return APIConnectionError, f"connection failed: {type(exc).__name__}: {exc}", True, True
    return (
        APIConnectionError,
        f"unexpected transport failure: {type(exc).__name__}: {exc}",
        True,
        True,
    )


def _nothing_was_sent(exc: BaseException) -> bool:
    """aiohttp's proof that not one byte of this request was handed to the socket.

    A pooled keep-alive connection the server closed a moment earlier fails like this: aiohttp's
    ``StreamWriter._write``/``_writelines`` (``aiohttp/http_writer.py``) raise
    ``ClientConnectionResetError("Cannot write to closing transport")`` *before* calling
    ``transport.write``; ``ClientRequest.write_bytes`` (``aiohttp/client_reqrep.py``) re-raises
    it as ``ClientOSError("Can not write request body for ...")`` with the original as
    ``__cause__``. The status line and headers are only buffered by ``write_headers`` and go out
    coalesced with the first body chunk, and the Session's body is one ``bytes`` payload written
    by one call, so a failure of that first write means nothing of the request left the client.
    Any other failure (a reset after the write, a server that disconnects without answering)
    proves nothing and keeps ``may_have_reached_server=True``.
    """
    cause = exc.__cause__
    return (
        isinstance(exc, aiohttp.ClientOSError)
        and str(exc.args[-1] if exc.args else "").startswith("Can not write request body")
        and isinstance(cause, aiohttp.ClientConnectionResetError)
        and str(cause) == "Cannot write to closing transport"
    )
