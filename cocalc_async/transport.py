"""The transport seam: what moves one attempt's bytes to the server and back.

A :class:`Transport` turns one :class:`TransportRequest` (all headers, the encoded body, the
attempt's time limits) into one :class:`TransportResponse` (status, headers, body), or raises a
:class:`~cocalc_async.errors.APIConnectionError` (``APITimeoutError`` for a timeout) whose
``may_have_reached_server`` says whether the request's bytes may have left the client. It knows
nothing of retries, concurrency limits, logging or CoCalc's error forms: the Client's Session does
those around it, for every transport alike.

* :class:`AiohttpTransport` is the default: one pooled ``aiohttp.ClientSession``.
* :class:`MockTransport` answers from a function, for unit tests (no sockets), as httpx's does.
* :class:`RecordingTransport` wraps another transport and writes every exchange in the JSON format
  of CoCalc recordings (``tests/samples/real/README.md``), keys redacted; :class:`ReplayTransport`
  answers from such files.

``Client(transport=...)`` uses the given transport as is; a transport the caller passed is the
caller's to close (so one pool can serve several clients with different keys), while the
transport a Client creates for itself is closed by ``client.close()``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import aiohttp
import yarl
from aiohttp import hdrs
from multidict import CIMultiDict, CIMultiDictProxy

from . import _defaults, _json
from ._config import Timeout
from ._redact import redact_value
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    CoCalcError,
    ResponseTooLargeError,
)

__all__ = [
    "AiohttpTransport",
    "MockTransport",
    "RecordingNotFoundError",
    "RecordingTransport",
    "ReplayTransport",
    "Transport",
    "TransportRequest",
    "TransportResponse",
    "to_client_timeout",
]

#: Bytes asked of the (decoded) body stream at a time; bounds what one step can overshoot.
_READ_CHUNK = 2**16
_new_tuple = tuple.__new__


class TransportRequest(NamedTuple):
    """One attempt of one call, as the transport must send it.

    A NamedTuple (immutable, and the cheapest value type to build: one is made per attempt on
    the hot path). ``headers`` holds every header, the ``Authorization`` one included, so its
    ``repr`` masks the credentials.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    #: This attempt's limits: connect, read (each chunk) and total, in seconds.
    timeout: Timeout
    #: ``"<api>/<path>"``, e.g. ``"v2/exec"``, for error messages.
    endpoint: str
    #: One id per logical call, the same on every attempt (sent as ``X-Request-Id``).
    request_id: str
    #: 1 for the first attempt.
    attempt: int = 1

    def __repr__(self) -> str:
        return (
            f"TransportRequest(method={self.method!r}, url={self.url!r}, "
            f"headers={redact_value(dict(self.headers))!r}, body=<{len(self.body)} bytes>, "
            f"timeout={self.timeout!r}, endpoint={self.endpoint!r}, "
            f"request_id={self.request_id!r}, attempt={self.attempt})"
        )

    @property
    def json(self) -> Any:
        """The decoded JSON body (``None`` for an empty body)."""
        return _json.loads(self.body) if self.body else None


class TransportResponse(NamedTuple):
    """What the server answered to one attempt. ``headers`` is case-insensitive."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def build(
        cls,
        status: int,
        body: bytes | str = b"",
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> TransportResponse:
        """A response from plain values; the headers become case-insensitive."""
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code (100..599), got {status!r}")
        raw = body.encode() if isinstance(body, str) else bytes(body)
        merged: CIMultiDict[str] = CIMultiDict(headers or {})
        if content_type is not None:
            merged[hdrs.CONTENT_TYPE] = content_type
        return cls(status, CIMultiDictProxy(merged), raw)

    @classmethod
    def json(
        cls, status: int, data: Any, *, headers: Mapping[str, str] | None = None
    ) -> TransportResponse:
        """A JSON answer, as CoCalc sends them: ``TransportResponse.json(200, {"now": ...})``."""
        return cls.build(
            status,
            _json.dumps(data),
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    @classmethod
    def text(
        cls,
        status: int,
        text: str,
        *,
        content_type: str = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> TransportResponse:
        """A non-JSON answer (an HTML error page, a proxy's text)."""
        return cls.build(status, text, headers=headers, content_type=content_type)


@runtime_checkable
class Transport(Protocol):
    """Sends one attempt. Implementations raise only :class:`~cocalc_async.errors.CoCalcError`."""

    async def handle(self, request: TransportRequest) -> TransportResponse: ...

    async def aclose(self) -> None: ...


def to_client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    # sock_connect, not connect: aiohttp's `connect` includes the wait for a pooled connection,
    # which the Session's semaphore already bounds.
    return aiohttp.ClientTimeout(
        total=timeout.total, connect=None, sock_connect=timeout.connect, sock_read=timeout.read
    )


class AiohttpTransport:
    """The default transport: one lazily opened ``aiohttp.ClientSession`` over a bounded pool.

    Args:
        connection_limit: sockets in the pool.
        max_response_bytes: a body whose *decoded* size passes this is refused while being read
            (``ResponseTooLargeError``), so a compressed bomb never inflates in memory.
        verify_ssl: verify TLS certificates.
        keepalive_timeout: seconds an idle pooled socket is kept.
        default_headers: headers every request carries (the Session gives its static ones:
            authorization, content type, user agent). They are set once on the aiohttp session,
            and a request sends only the headers of its own that differ from them: aiohttp's
            per-request merge of a full header dict measured about 3 % of a loopback call's CPU.
            A request's headers override these; a default cannot be removed per request.
    """

    def __init__(
        self,
        *,
        connection_limit: int = _defaults.DEFAULT_CONNECTION_LIMIT,
        max_response_bytes: int = _defaults.DEFAULT_MAX_RESPONSE_BYTES,
        verify_ssl: bool = True,
        keepalive_timeout: float = _defaults.KEEPALIVE_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.connection_limit = connection_limit
        self._default_headers = dict(default_headers) if default_headers else None
        # The size of a request that is the defaults plus an X-Request-Id: the common case.
        self._fast_len = len(self._default_headers) + 1 if self._default_headers else -1
        self.max_response_bytes = max_response_bytes
        self.verify_ssl = verify_ssl
        self.keepalive_timeout = keepalive_timeout
        self._http: aiohttp.ClientSession | None = None
        self._closed = False
        # The last Timeout seen and its aiohttp form: nearly every call uses the client default,
        # so one identity check replaces building a ClientTimeout per attempt.
        self._timeout_key: Timeout | None = None
        self._timeout_value: aiohttp.ClientTimeout | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._http is not None else "idle")
        return f"AiohttpTransport({state}, connection_limit={self.connection_limit})"

    @property
    def closed(self) -> bool:
        return self._closed

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this transport is closed; create a new one")
        connector = aiohttp.TCPConnector(
            limit=self.connection_limit,
            limit_per_host=0,
            ttl_dns_cache=_defaults.DNS_CACHE_TTL,
            keepalive_timeout=self.keepalive_timeout,
            ssl=self.verify_ssl,
        )
        self._http = aiohttp.ClientSession(
            connector=connector,
            headers=self._default_headers,
            raise_for_status=False,
            trust_env=False,
        )
        return self._http

    def _client_timeout(self, timeout: Timeout) -> aiohttp.ClientTimeout:
        if timeout is self._timeout_key and self._timeout_value is not None:
            return self._timeout_value
        value = to_client_timeout(timeout)
        self._timeout_key, self._timeout_value = timeout, value
        return value

    def _own_headers(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """What of ``headers`` the aiohttp session does not already send by default."""
        defaults = self._default_headers
        if defaults is None:
            return headers
        if len(headers) == self._fast_len and defaults.items() <= headers.items():
            request_id = headers.get("X-Request-Id")
            if request_id is not None:
                return {"X-Request-Id": request_id}
        return {k: v for k, v in headers.items() if defaults.get(k) != v}

    async def handle(self, request: TransportRequest) -> TransportResponse:
        http = self._http or self._open()
        timeout = request.timeout
        client_timeout = (
            self._timeout_value
            if timeout is self._timeout_key and self._timeout_value is not None
            else self._client_timeout(timeout)
        )
        try:
            # http.post for a POST (every CoCalc call): measured on loopback at C=100, it costs
            # 15 % less client CPU per request than http.request("POST", ...) with aiohttp 3.14.
            send = http.post if request.method == "POST" else partial(http.request, request.method)
            async with send(
                request.url,
                data=request.body,
                headers=self._own_headers(request.headers),
                timeout=client_timeout,
                max_redirects=_defaults.MAX_REDIRECTS,
            ) as response:
                length = response.content_length
                if (
                    length is not None
                    and length <= self.max_response_bytes
                    and hdrs.CONTENT_ENCODING not in response.headers
                ):
                    # An identity body of a known, small size: the fast path, read in one go.
                    body = await response.read()
                else:
                    body = await self._read_limited(response, request)
                # tuple.__new__: the NamedTuple without its constructor's frame (hot path).
                return _new_tuple(TransportResponse, (response.status, response.headers, body))
        except CoCalcError:
            raise
        except Exception as exc:
            raise self._transport_error(exc, request) from exc

    async def _read_limited(
        self, response: aiohttp.ClientResponse, request: TransportRequest
    ) -> bytes:
        """Read the body, refusing it once its *decoded* size passes ``max_response_bytes``.

        ``Content-Length`` counts the bytes on the wire: a 1 MiB gzip, deflate or brotli body can
        inflate to gigabytes, so the limit is applied to what aiohttp's incremental decompressor
        hands over, chunk by chunk, and nothing is ever buffered past it.
        """
        limit = self.max_response_bytes
        length = response.content_length
        if length is None or hdrs.CONTENT_ENCODING in response.headers:
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
            request_id=request.request_id,
            attempts=request.attempt,
        )

    def _transport_error(self, exc: Exception, request: TransportRequest) -> CoCalcError:
        """Map an aiohttp/asyncio failure to our types, noting whether bytes may have been sent."""
        if isinstance(exc, RuntimeError) and (self._closed or self._http is None):
            return ClientClosedError(
                f"the Client was closed while {request.endpoint} was in flight"
            )
        cls, message, sent, transient = _describe_transport_error(exc)
        return cls(
            message,
            endpoint=request.endpoint,
            request_id=request.request_id,
            attempts=request.attempt,
            may_have_reached_server=sent,
            transient=transient,
        )

    async def aclose(self) -> None:
        """Close the pool. Safe to call twice."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None:
            await http.close()


Handler = Callable[[TransportRequest], "TransportResponse | Awaitable[TransportResponse]"]


class MockTransport:
    """Answers every attempt from ``handler``: for unit tests of code that uses a Client.

    ``handler(request)`` returns a :class:`TransportResponse` (or an awaitable of one). Raising
    a :class:`~cocalc_async.errors.CoCalcError` simulates a transport failure: for example
    ``APIConnectionError("refused", may_have_reached_server=False)`` is retried for any call,
    while ``may_have_reached_server=True`` is retried only for idempotent endpoints. Any other
    exception propagates unchanged, so a bug in the handler is not mistaken for a network error.
    ``requests`` lists every request seen, in order. Nothing touches a socket.
    """

    def __init__(self, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError("MockTransport needs a function: handler(request) -> TransportResponse")
        self.handler = handler
        self.requests: list[TransportRequest] = []
        self.closed = False

    def __repr__(self) -> str:
        return f"MockTransport(requests={len(self.requests)}, closed={self.closed})"

    async def handle(self, request: TransportRequest) -> TransportResponse:
        if self.closed:
            raise ClientClosedError("this MockTransport is closed")
        self.requests.append(request)
        try:
            result = self.handler(request)
            if inspect.isawaitable(result):
                result = await result
        except APIConnectionError as exc:
            # A handler's simulated failure gets the attempt's context, as a real one would.
            exc.endpoint = exc.endpoint or request.endpoint
            exc.request_id = exc.request_id or request.request_id
            exc.attempts = request.attempt
            raise
        if not isinstance(result, TransportResponse):
            raise TypeError(
                f"the MockTransport handler must return a TransportResponse, got "
                f"{type(result).__name__} (use TransportResponse.json(200, {{...}}))"
            )
        headers = result.headers
        if not isinstance(headers, (CIMultiDict, CIMultiDictProxy)):
            result = result._replace(headers=CIMultiDictProxy(CIMultiDict(headers)))
        return result

    async def aclose(self) -> None:
        self.closed = True
        await asyncio.sleep(0)


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
    coalesced with the first body chunk, and the transport's body is one ``bytes`` payload
    written by one call, so a failure of that first write means nothing of the request left the
    client. Any other failure (a reset after the write, a server that disconnects without
    answering) proves nothing and keeps ``may_have_reached_server=True``.
    """
    cause = exc.__cause__
    return (
        isinstance(exc, aiohttp.ClientOSError)
        and str(exc.args[-1] if exc.args else "").startswith("Can not write request body")
        and isinstance(cause, aiohttp.ClientConnectionResetError)
        and str(cause) == "Cannot write to closing transport"
    )


# --- record and replay ------------------------------------------------------------------------
#
# The format is the one of CoCalc recordings (tests/samples/real/README.md): one JSON object per
# exchange with the request's method, path and JSON body, and the answer's status, content type,
# kind and body; or a flow, {"flow": true, "steps": [exchange, ...]}. Uuids are labelled in
# ``ids`` so a replay can bind them to other ids of the same role.

_UUID_IN_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# A recorded secret placeholder (``<KEY:role>``, ``<PASSWORD:role>``) matches any text.
_PLACEHOLDER = re.compile(r"^<(?:KEY|PASSWORD):[^>]*>$")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
#: How much of an HTML answer a recording keeps (as the shared recordings do).
_HTML_KEPT = 400


class RecordingNotFoundError(CoCalcError, LookupError):
    """A :class:`ReplayTransport` has no recorded answer for this request.

    Raised at once (never a hang); the message names the request and the recordings of the same
    method and path, if any. ``request`` is the unmatched :class:`TransportRequest`.
    """

    def __init__(self, message: str, request: TransportRequest) -> None:
        super().__init__(message)
        self.request = request


def _credential(headers: Mapping[str, str]) -> str | None:
    """The API key inside an ``Authorization`` header (Basic ``key:`` or Bearer), if any."""
    value = headers.get("Authorization") or headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return user.split(":", 1)[0] or None
    return None


def _scrub(value: Any, key: str | None, role: str) -> Any:
    """``value`` with the caller's key written ``<KEY:role>`` and any other credential masked."""
    if key:
        text = json.dumps(value, ensure_ascii=False)
        if key in text:
            value = json.loads(text.replace(key, f"<KEY:{role}>"))
    return redact_value(value, [key])


def _label_ids(values: Any, labels: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in _UUID_IN_TEXT.findall(json.dumps(values)):
        found.setdefault(text, labels.get(text, "unlabelled"))
    return found


class RecordingTransport:
    """Sends through ``inner`` and writes every exchange to ``directory`` as one JSON file.

    Files are named ``<seq>-<endpoint>.json`` (``0001-v2-exec.json``) in the format of CoCalc
    recordings, with ``role`` saying whose key was sent: the ``Authorization`` header is never
    written, and the key, wherever a body carries it, is written ``<KEY:role>`` (any other
    credential-looking text is masked). ``labels`` names known uuids (``{pid: "project:p1"}``);
    other uuids are ``"unlabelled"``. A failed attempt (no answer) is not recorded.

    Args:
        inner: the transport that really sends (e.g. ``AiohttpTransport()``).
        directory: created if missing.
        role: the role of the key, as the recordings' ``role`` field.
        prefix: the start of each exchange's ``id``.
        source_commit: the server's source commit, if known.
        hub_mode: how the server ran (``{"mode": "single-user", ...}``), if known.
    """

    def __init__(
        self,
        inner: Transport,
        directory: str | os.PathLike[str],
        *,
        role: str = "user",
        prefix: str = "rec",
        labels: Mapping[str, str] | None = None,
        source_commit: str | None = None,
        hub_mode: Mapping[str, Any] | None = None,
    ) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.role = role
        self.prefix = prefix
        self.labels = dict(labels or {})
        self.source_commit = source_commit
        self.hub_mode = dict(hub_mode) if hub_mode is not None else None
        self.seq = 0
        self.written: list[Path] = []

    def __repr__(self) -> str:
        return f"RecordingTransport({self.inner!r}, {str(self.directory)!r}, written={self.seq})"

    async def handle(self, request: TransportRequest) -> TransportResponse:
        started = time.perf_counter()
        response = await self.inner.handle(request)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        self.seq += 1
        record = self.record(request, response, elapsed_ms=elapsed_ms, seq=self.seq)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", request.endpoint).strip("-")
        self.written.append(_write_json(self.directory / f"{self.seq:04d}-{slug}.json", record))
        return response

    def record(
        self, request: TransportRequest, response: TransportResponse, *, elapsed_ms: int, seq: int
    ) -> dict[str, Any]:
        """The recording of one exchange, secrets already replaced."""
        key = _credential(request.headers)
        role = self.role if key else "none"
        try:
            request_body = _json.loads(request.body) if request.body else None
        except _json.DECODE_ERRORS:
            request_body = request.body.decode("utf-8", "replace")
        content_type = response.headers.get(hdrs.CONTENT_TYPE, "")
        text = response.body.decode("utf-8", "replace")
        extra: dict[str, Any] = {}
        kind = "text"
        body: Any = text
        if "json" in content_type or not content_type:
            with contextlib.suppress(*_json.DECODE_ERRORS):
                body, kind = _json.loads(response.body), "json"
        if kind == "text" and "html" in content_type:
            kind, body = "html", text[:_HTML_KEPT]
            title = _HTML_TITLE.search(text)
            extra = {"html_title": title.group(1).strip() if title else None}
            extra["response_length"] = len(response.body)
        path = yarl.URL(request.url).path
        name = request_body.get("name") if isinstance(request_body, dict) else None
        title_text = f"{request.endpoint} {name}" if isinstance(name, str) else request.endpoint
        request_body = _scrub(request_body, key, role)
        body = _scrub(body, key, role)
        record: dict[str, Any] = {
            "id": f"{self.prefix}-{seq:04d}",
            "title": title_text,
            "role": role,
            "method": request.method,
            "path": path,
            "request_body": request_body,
            "status": response.status,
            "content_type": content_type,
            "response_kind": kind,
            "response_body": body,
            **extra,
            "elapsed_ms": elapsed_ms,
            "capture": {},
            "volatile": [],
            "ids": _label_ids([request_body, body], self.labels),
            "recorded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "seq": seq,
            "subtle": False,
        }
        if self.source_commit:
            record["source_commit"] = self.source_commit
        if self.hub_mode is not None:
            record["hub_mode"] = self.hub_mode
        return record

    async def aclose(self) -> None:
        await self.inner.aclose()


def _write_json(path: Path, record: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


class _Recorded(NamedTuple):
    record: dict[str, Any]
    source: str  # file name (and step) for messages


class ReplayTransport:
    """Answers requests from recordings in the format of ``tests/samples/real/``.

    ``source``: a recording file, a directory of them (``_context.json`` and non-JSON files are
    skipped; flows are read step by step), or a list of either. A request matches a recording
    with the same method, URL path and JSON body, where a uuid the recording labels in ``ids``
    (``project:p1``) matches any uuid, bound to that label for the rest of the replay (so
    ``p1`` is one id throughout), and ``<KEY:...>``/``<PASSWORD:...>`` placeholders match any
    text. Recorded ids are replaced by the bound ones in the answers. Identical requests get their
    recordings in ``seq`` order, each once. A request with no unused recording raises
    :class:`RecordingNotFoundError` at once.
    """

    def __init__(self, source: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> None:
        sources = source if isinstance(source, list) else [source]
        found: list[_Recorded] = []
        for item in sources:
            found.extend(_load_recordings(Path(item)))
        if not found:
            raise ValueError(f"no recordings found in {source!r}")
        # A stable sort: records without seq keep their file order after those with one.
        found.sort(key=lambda r: r.record.get("seq", 1 << 62))
        self.recordings = found
        self._used = [False] * len(found)
        self.bindings: dict[str, str] = {}  # label -> the uuid this replay uses for it
        self.closed = False

    def __repr__(self) -> str:
        left = self._used.count(False)
        return f"ReplayTransport({len(self.recordings)} recordings, {left} unused)"

    @property
    def unused(self) -> list[str]:
        """The ids of the recordings no request has matched yet."""
        return [
            r.record.get("id", r.source)
            for r, u in zip(self.recordings, self._used, strict=True)
            if not u
        ]

    async def handle(self, request: TransportRequest) -> TransportResponse:
        if self.closed:
            raise ClientClosedError("this ReplayTransport is closed")
        path = yarl.URL(request.url).path
        try:
            body = _json.loads(request.body) if request.body else None
        except _json.DECODE_ERRORS:
            body = request.body.decode("utf-8", "replace")
        same_path = 0
        for index, (record, _source) in enumerate(self.recordings):
            if record.get("method", "POST") != request.method or record.get("path") != path:
                continue
            same_path += 1
            if self._used[index]:
                continue
            bindings = _match(record.get("request_body"), body, record.get("ids") or {})
            if bindings is None or any(
                self.bindings.get(label, live) != live for label, live in bindings.items()
            ):
                continue
            self._used[index] = True
            self.bindings.update(bindings)
            return self._answer(record)
        shown = redact_value(body, [_credential(request.headers)])
        raise RecordingNotFoundError(
            f"no unused recording answers {request.method} {path} with body "
            f"{json.dumps(shown)[:300]} ({same_path} recording(s) of this path, none matching)",
            request,
        )

    def _answer(self, record: Mapping[str, Any]) -> TransportResponse:
        kind = record.get("response_kind", "json")
        value = record.get("response_body")
        if kind == "json":
            raw = json.dumps(value, ensure_ascii=False)
        else:
            raw = value if isinstance(value, str) else json.dumps(value)
            title = record.get("html_title")
            if kind == "html" and title and not _HTML_TITLE.search(raw):
                raw = f"<html><head><title>{title}</title></head>{raw}</html>"
        ids = record.get("ids") or {}
        for recorded, label in ids.items():
            live = self.bindings.get(label)
            if live is not None and live != recorded:
                raw = raw.replace(recorded, live)
        content_type = record.get("content_type") or "application/json; charset=utf-8"
        return TransportResponse.build(int(record["status"]), raw, content_type=content_type)

    async def aclose(self) -> None:
        self.closed = True
        await asyncio.sleep(0)


def _load_recordings(path: Path) -> list[_Recorded]:
    if path.is_dir():
        out: list[_Recorded] = []
        for child in sorted(path.glob("*.json")):
            if not child.name.startswith("_"):
                out.extend(_load_recordings(child))
        return out
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and data.get("flow"):
        return [_Recorded(step, f"{path.name}#{i}") for i, step in enumerate(data["steps"])]
    if isinstance(data, dict) and "path" in data and "status" in data:
        return [_Recorded(data, path.name)]
    return []


def _match(recorded: Any, live: Any, ids: Mapping[str, str]) -> dict[str, str] | None:
    """The label bindings under which ``live`` equals ``recorded``, or None if it cannot."""
    bindings: dict[str, str] = {}

    def same(a: Any, b: Any, top: bool = False) -> bool:
        if isinstance(a, dict) and isinstance(b, dict):
            if top:
                # Client.call drops top-level nulls (they mean "not given"), so a recorded null
                # there is the same as an absent key; deeper nulls (a user query's) are sent.
                a = {k: v for k, v in a.items() if v is not None}
                b = {k: v for k, v in b.items() if v is not None}
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, str) and isinstance(b, str):
            return a == b or _PLACEHOLDER.match(a) is not None or same_text(a, b)
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return bool(a == b)

    def same_text(a: str, b: str) -> bool:
        recorded_ids, live_ids = _UUID_IN_TEXT.findall(a), _UUID_IN_TEXT.findall(b)
        if not recorded_ids or len(recorded_ids) != len(live_ids):
            return False
        if _UUID_IN_TEXT.split(a) != _UUID_IN_TEXT.split(b):
            return False
        for rec, got in zip(recorded_ids, live_ids, strict=True):
            label = ids.get(rec)
            if label is None or label == "unlabelled":
                if rec != got:
                    return False
            elif bindings.setdefault(label, got) != got:
                return False
        return True

    if recorded in (None, {}) and live in (None, {}):
        return bindings
    return bindings if same(recorded, live, top=True) else None
