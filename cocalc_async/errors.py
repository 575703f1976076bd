"""The exception hierarchy. Every error the SDK raises is a :class:`CoCalcError`.

::

    CoCalcError
    ├── APIError                      the server answered (or should have), carries the call's context
    │   ├── APIStatusError            a non-2xx answer; ``status_code`` is that int
    │   │   ├── BadRequestError              400 of no more specific kind
    │   │   ├── RequestTooLargeError         413
    │   │   ├── InternalServerError          >= 500 (BadGatewayError, ServiceUnavailableError,
    │   │   │                                GatewayTimeoutError beneath it)
    │   │   ├── EndpointNotServedError       404 page: no v1 here, or no such route (a NotFoundError)
    │   │   └── <Kind>StatusError            a kind below, answered with a non-2xx status
    │   ├── APIResponseError          an error in a 2xx body (old name: CoCalcAPIError)
    │   │   ├── AccountCreationFailedError   v1 ``account_creation_failed`` (``reason`` dict)
    │   │   ├── SignUpError                  v2 ``auth/sign-up`` ``{"issues": {...}}``
    │   │   ├── LatexError                   v2 ``latex`` answered with a failed compile
    │   │   ├── NotImplementedOnServerError  v2 ``compute/control`` ("NOT implemented yet")
    │   │   ├── BridgeTimeoutError           the conat bridge's "timeout - callHub: ... code='408'"
    │   │   ├── ProjectCallTimeoutError      v2 ``exec``'s "undefined" after the hub's 60 s wait
    │   │   └── <Kind>ResponseError          a kind below, reported in a 2xx body
    │   ├── the kinds that arrive both ways (each has a StatusError and a ResponseError form):
    │   │   ├── AuthenticationError          missing/wrong key, banned account
    │   │   ├── PermissionDeniedError        "does not have ... access"
    │   │   ├── NotFoundError                an object or route that does not exist
    │   │   │   └── FileNotFoundOnServerError   ``ENOENT`` (``path``)
    │   │   ├── InvalidParametersError       v1 "invalid parameters ...", v2 400 "Invalid request body."
    │   │   ├── UnknownEndpointError         v1 "unknown endpoint"; conat "unknown function '...'"
    │   │   └── RateLimitError               429 or the throttle text; ``retry_after``
    │   ├── ResponseDecodeError       a body that is not the JSON it should be
    │   └── ResponseTooLargeError     a body over ``max_response_bytes``
    ├── APIConnectionError            the transport failed; ``APITimeoutError`` beneath it
    ├── ClientClosedError             the Client was closed (before or during the call)
    ├── EventLoopMismatchError        a Client used from a second event loop
    ├── ResponseValidationError       JSON that does not fit the result model
    └── OperationError                a long operation ended badly
        ├── CopyFailedError, ExecFailedError, ExecJobPollError
        └── PollTimeoutError

Where an error came from decides its base: :class:`APIStatusError` only for a non-2xx answer
("the server failed, or refused at the HTTP level"), :class:`APIResponseError` only for an error
CoCalc put in a 2xx body ("the server answered, and the answer is no"). No error is both.

What went wrong is the *kind*. CoCalc reports the same kind both ways: a wrong key is a 401 on
one route and ``200 {"error": "... must be signed in ..."}`` on another. So each such kind is a
class under :class:`APIError` (``AuthenticationError``), and the SDK raises one of its two
concrete forms, each deriving from the kind and from exactly one base::

    class AuthenticationStatusError(AuthenticationError, APIStatusError)      # the 401
    class AuthenticationResponseError(AuthenticationError, APIResponseError)  # the 200 body

``except AuthenticationError`` catches both, ``except APIStatusError`` only the 401, ``except
APIResponseError`` only the body. Why two named classes per kind rather than one class with a
flag: ``except`` and ``isinstance`` are the only tests most code makes, both read class
membership, and named module-level classes keep that exact for mypy (an
``AuthenticationStatusError`` is statically both an ``AuthenticationError`` and an
``APIStatusError``), for pickling (a class found by name) and in tracebacks and reprs, which show
the kind's name with where it came from.

Calling a kind picks its form from ``status_code``: ``RateLimitError("slow", status_code=429)``
builds a ``RateLimitStatusError``; without a status, or with a 2xx one, the ``ResponseError``
form. Code written when the kinds were concrete classes keeps working and still gets an error
that is exactly one of the two. The error table (``cocalc_async/spec/errors.py``) names kinds;
the classifier raises the form that fits the answer.

``CoCalcAPIError`` is the old name of :class:`APIResponseError` (the same class object). It used
to catch the two-way kinds whatever their status; now, like every ``APIResponseError``, it catches
only errors from a 2xx body: catch the kind, or :class:`APIError`, for both.

No error ever holds the API key: messages are built from the server's text and the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AccountCreationFailedError",
    "AuthenticationError",
    "AuthenticationResponseError",
    "AuthenticationStatusError",
    "BadGatewayError",
    "BadRequestError",
    "BridgeTimeoutError",
    "ClientClosedError",
    "CoCalcAPIError",
    "CoCalcError",
    "CopyFailedError",
    "EndpointNotServedError",
    "EventLoopMismatchError",
    "ExecFailedError",
    "ExecJobPollError",
    "FileNotFoundOnServerError",
    "FileNotFoundOnServerResponseError",
    "FileNotFoundOnServerStatusError",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidParametersError",
    "InvalidParametersResponseError",
    "InvalidParametersStatusError",
    "LatexError",
    "NotFoundError",
    "NotFoundResponseError",
    "NotFoundStatusError",
    "NotImplementedOnServerError",
    "OperationError",
    "PermissionDeniedError",
    "PermissionDeniedResponseError",
    "PermissionDeniedStatusError",
    "PollTimeoutError",
    "ProjectCallTimeoutError",
    "RateLimitError",
    "RateLimitResponseError",
    "RateLimitStatusError",
    "RequestTooLargeError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServiceUnavailableError",
    "SignUpError",
    "UnknownEndpointError",
    "UnknownEndpointResponseError",
    "UnknownEndpointStatusError",
]


class CoCalcError(Exception):
    """Base class of every error raised by cocalc_async."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (multiprocessing, logging queues): pickle the state
        # without calling __init__ (subclasses take other arguments) and with a response's
        # read-only header multidict, which cannot be pickled, copied into a plain one.
        state = {name: _picklable(value) for name, value in vars(self).items()}
        return (_rebuild_error, (type(self), self.args, state))


def _picklable(value: Any) -> Any:
    if type(value).__module__.startswith("multidict"):
        from multidict import CIMultiDict

        return CIMultiDict(value)
    return value


def _rebuild_error(cls: type[CoCalcError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class APIError(CoCalcError):
    """A call reached (or tried to reach) the server and failed.

    Attributes:
        message: a readable description (the server's own text where there is one).
        endpoint: ``"<api>/<path>"``, e.g. ``"v1/ping"``.
        status_code: the HTTP status (an int outside 200-299 on an :class:`APIStatusError`, the
            2xx status on an :class:`APIResponseError`, ``None`` when there was no answer).
        body: the decoded JSON body when there was one, else ``None``.
        body_excerpt: the first few hundred characters of the raw body.
        headers: the response headers (never the request's, which hold the key).
        request_id: the client request id, one uuid4 per logical call, the same across retries.
        attempts: how many attempts were made.
        error: the server's ``error`` value as sent (a string, or an object such as a Node error).
        retry_after: the server's wait hint in seconds (Retry-After, or CoCalc's throttle text).
        code: the machine-readable error code when the server sent one (see :attr:`code`).
    """

    #: A two-way kind's (status form, response form), set on the kind itself by ``_two_ways``.
    _forms: ClassVar[tuple[type[APIStatusError], type[APIResponseError]] | None] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # Calling a two-way kind builds one of its forms, chosen by the answer's status: the
        # error is then an APIStatusError or an APIResponseError, never neither. Looked up in the
        # class's own __dict__ so the forms themselves (which inherit _forms) are built as is.
        forms = cls.__dict__.get("_forms")
        if forms is not None:
            cls = forms[0] if _is_failure_status(kwargs.get("status_code")) else forms[1]
        return super().__new__(cls, *args)

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status_code: int | None = None,
        body: Any = None,
        body_excerpt: str = "",
        headers: Mapping[str, str] | None = None,
        request_id: str = "",
        attempts: int = 1,
        error: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.status_code = status_code
        self.body = body
        self.body_excerpt = body_excerpt
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.request_id = request_id
        self.attempts = attempts
        self.error = error
        self.retry_after = retry_after

    @property
    def code(self) -> str | None:
        """The server's error code: a body's ``code`` (cocalc.ai's ``api_key_rpc_denied``,
        ``api_search_rate_limited``) or a Node error's (``ENOENT``); ``None`` when there is none."""
        for holder in (self.body, self.error):
            value = holder.get("code") if isinstance(holder, dict) else None
            if isinstance(value, str):
                return value
        return None

    def __str__(self) -> str:
        where = f" [{self.endpoint}" if self.endpoint else " ["
        status = f", HTTP {self.status_code}" if self.status_code is not None else ""
        tail = f"{where}{status}, attempts={self.attempts}"
        tail += f", request_id={self.request_id}]" if self.request_id else "]"
        return f"{self.message}{tail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, endpoint={self.endpoint!r}, status_code={self.status_code!r})"


class APIStatusError(APIError):
    """The server answered with a non-2xx status (often with an HTML body).

    ``status_code`` is always that status, an int outside 200-299; building one without it is a
    ``TypeError``, so ``except APIStatusError`` never sees an error that came in a 2xx body.
    """

    status_code: int

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        if not _is_failure_status(status_code):
            raise TypeError(
                f"{type(self).__name__} needs the answer's non-2xx status_code, got {status_code!r}"
            )
        super().__init__(message, status_code=status_code, **kwargs)


class APIResponseError(APIError):
    """CoCalc reported an error inside a 2xx response body: ``{"event":"error"}``,
    ``{"error": ...}`` or a failure event. ``status_code`` is that status (almost always 200).

    ``CoCalcAPIError`` is this class's old name.
    """


#: The old name of :class:`APIResponseError`, the same class (kept for code written before the
#: status/response split).
CoCalcAPIError = APIResponseError


def _is_failure_status(status: object) -> bool:
    return isinstance(status, int) and not isinstance(status, bool) and not 200 <= status < 300


def _two_ways(
    kind: type[APIError], status_form: type[APIStatusError], response_form: type[APIResponseError]
) -> None:
    """Record a kind's two concrete forms, which calling the kind chooses between."""
    if not (issubclass(status_form, kind) and issubclass(response_form, kind)):
        raise TypeError(f"the forms of {kind.__name__} must derive from it")
    kind._forms = (status_form, response_form)


def form_of(kind: type[APIError], *, from_status: bool) -> type[APIError] | None:
    """The class to raise for ``kind`` from a non-2xx answer (``from_status=True``) or from a 2xx
    body: the kind's own form when it has two, the kind itself when it is already of that side,
    else ``None`` (the kind never arrives that way, e.g. a ``LatexError`` as a status)."""
    forms = kind.__dict__.get("_forms")
    if forms is not None:
        chosen: type[APIError] = forms[0] if from_status else forms[1]
        return chosen
    side = APIStatusError if from_status else APIResponseError
    return kind if issubclass(kind, side) else None


# --- the kinds that arrive both as a status and in a body --------------------------------------


class AuthenticationError(APIError):
    """A missing or wrong API key, or a banned account (a 401, or "must be signed in" in a body)."""


class AuthenticationStatusError(AuthenticationError, APIStatusError):
    """An :class:`AuthenticationError` answered with a non-2xx status (401, 403)."""


class AuthenticationResponseError(AuthenticationError, APIResponseError):
    """An :class:`AuthenticationError` reported in a 2xx body."""


class PermissionDeniedError(APIError):
    """The account (or project key) lacks access: "User ... does not have write access to project ..."."""


class PermissionDeniedStatusError(PermissionDeniedError, APIStatusError):
    """A :class:`PermissionDeniedError` answered with a non-2xx status (403)."""


class PermissionDeniedResponseError(PermissionDeniedError, APIResponseError):
    """A :class:`PermissionDeniedError` reported in a 2xx body."""


class NotFoundError(APIError):
    """A route or an object that does not exist (a 404, or "copy_id not found" in a body)."""


class NotFoundStatusError(NotFoundError, APIStatusError):
    """A :class:`NotFoundError` answered with a non-2xx status (404)."""


class NotFoundResponseError(NotFoundError, APIResponseError):
    """A :class:`NotFoundError` reported in a 2xx body."""


class FileNotFoundOnServerError(NotFoundError):
    """A file or directory the call names does not exist on the server (Node's ``ENOENT``).

    ``path`` is the path as the server wrote it (``None`` when it gave none).
    """

    def __init__(self, message: str, *, path: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.path = path


class FileNotFoundOnServerStatusError(FileNotFoundOnServerError, NotFoundStatusError):
    """A :class:`FileNotFoundOnServerError` answered with a non-2xx status."""


class FileNotFoundOnServerResponseError(FileNotFoundOnServerError, NotFoundResponseError):
    """A :class:`FileNotFoundOnServerError` reported in a 2xx body."""


class EndpointNotServedError(NotFoundStatusError):
    """The server has no such endpoint (HTTP 404 with a web page): API v1 on a CoCalc built after
    its removal on 2025-05-29, or a v2 route or bridge this server lacks.

    ``replacement`` says what to call instead, when the spec knows (``""`` otherwise).
    """

    def __init__(self, message: str, *, replacement: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.replacement = replacement


class InvalidParametersError(APIError):
    """The server rejected the parameters: v1's "invalid parameters ...", or a validating v2 route's
    HTTP 400 ``{"message": "Invalid request body.", "errors": [...]}``.

    ``errors`` is that per-field list as sent (each item a dict with ``path`` and ``message``),
    empty when the server gave none.
    """

    def __init__(self, message: str, *, errors: Sequence[Any] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.errors: list[Any] = list(errors) if errors is not None else []


class InvalidParametersStatusError(InvalidParametersError, APIStatusError):
    """An :class:`InvalidParametersError` answered with a non-2xx status (400)."""


class InvalidParametersResponseError(InvalidParametersError, APIResponseError):
    """An :class:`InvalidParametersError` reported in a 2xx body."""


class UnknownEndpointError(APIError):
    """v1 does not know the endpoint, or it is not part of the HTTP API (any more)."""


class UnknownEndpointStatusError(UnknownEndpointError, APIStatusError):
    """An :class:`UnknownEndpointError` answered with a non-2xx status (v1's 400)."""


class UnknownEndpointResponseError(UnknownEndpointError, APIResponseError):
    """An :class:`UnknownEndpointError` reported in a 2xx body (conat's "unknown function")."""


class RateLimitError(APIError):
    """Too many requests: HTTP 429, or CoCalc's throttle text in a 200 body.

    ``retry_after`` is the server's hint in seconds, or ``None`` when it gave none.
    """


class RateLimitStatusError(RateLimitError, APIStatusError):
    """A :class:`RateLimitError` answered with a non-2xx status (429)."""


class RateLimitResponseError(RateLimitError, APIResponseError):
    """A :class:`RateLimitError` reported in a 2xx body (the throttle text)."""


_two_ways(AuthenticationError, AuthenticationStatusError, AuthenticationResponseError)
_two_ways(PermissionDeniedError, PermissionDeniedStatusError, PermissionDeniedResponseError)
_two_ways(NotFoundError, NotFoundStatusError, NotFoundResponseError)
_two_ways(
    FileNotFoundOnServerError, FileNotFoundOnServerStatusError, FileNotFoundOnServerResponseError
)
_two_ways(InvalidParametersError, InvalidParametersStatusError, InvalidParametersResponseError)
_two_ways(UnknownEndpointError, UnknownEndpointStatusError, UnknownEndpointResponseError)
_two_ways(RateLimitError, RateLimitStatusError, RateLimitResponseError)


# --- errors that arrive only in a 2xx body ------------------------------------------------------


class BridgeTimeoutError(APIResponseError):
    """The conat bridge gave up waiting for the RPC: ``timeout - callHub: ... code='408'``.

    The bridge waits 15 s unless the body says otherwise (``rpc_timeout=`` on the generated
    coroutines); the RPC itself may still be running, or may have finished.
    """


class ProjectCallTimeoutError(APIResponseError):
    """The hub stopped waiting for the project after about 60 s: v2 ``exec`` then answers
    ``{"error": "undefined"}`` (the hub's "timeout" string has no ``.message``:
    server/projects/connection/handle-message.ts:80,93 and next/pages/api/v2/exec.ts:21
    @5cb3315c30). The command may still be running; an async job can be polled again.
    """


class NotImplementedOnServerError(APIResponseError):
    """The endpoint exists but CoCalc's own source does not implement it: v2 ``compute/control``
    answers only ``{"error": "NOT implemented yet"}`` (compute/control.ts:23 @5cb3315c30)."""


class LatexError(APIResponseError):
    """``v2/latex`` answered, but compiling (or reading the PDF) failed.

    CoCalc reports this inside the result (``compile.event == "error"``, ``pdf.event ==
    "error"``), not as a top-level error. ``compile_error`` and ``pdf_error`` are those texts,
    ``log`` the compiler's output when the answer has it (``stdout`` + ``stderr``).
    """

    def __init__(
        self,
        message: str,
        *,
        compile_error: str | None = None,
        pdf_error: str | None = None,
        log: str = "",
        **kwargs: Any,
    ):
        super().__init__(message, **kwargs)
        self.compile_error = compile_error
        self.pdf_error = pdf_error
        self.log = log


class AccountCreationFailedError(APIResponseError):
    """v1 ``create_account`` answered ``account_creation_failed``; ``reason`` maps field to message."""

    def __init__(self, message: str, *, reason: Mapping[str, Any] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.reason: Mapping[str, Any] = reason if reason is not None else {}


class SignUpError(APIResponseError):
    """v2 ``auth/sign-up`` answered ``{"issues": {...}}``; ``issues`` maps field to message."""

    def __init__(self, message: str, *, issues: Mapping[str, Any] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.issues: Mapping[str, Any] = issues if issues is not None else {}


# --- errors that arrive only as a non-2xx status ------------------------------------------------


class BadRequestError(APIStatusError):
    """HTTP 400 that is none of the more specific kinds."""


class RequestTooLargeError(APIStatusError):
    """HTTP 413: the request body exceeds the server's limit (100 kB-1 MB on CoCalc)."""


class InternalServerError(APIStatusError):
    """HTTP 5xx."""


class BadGatewayError(InternalServerError):
    """HTTP 502, usually an HTML page from a proxy."""


class ServiceUnavailableError(InternalServerError):
    """HTTP 503."""


class GatewayTimeoutError(InternalServerError):
    """HTTP 504."""


# --- neither: the body itself is unusable -------------------------------------------------------


class ResponseDecodeError(APIError):
    """The body was not valid JSON (an HTML page with HTTP 200, a truncated body, ...)."""


class ResponseTooLargeError(APIError):
    """The body exceeded ``max_response_bytes``; reading stopped at the limit."""


class APIConnectionError(CoCalcError):
    """The transport failed: refused, reset, DNS, TLS, or a broken response stream.

    ``may_have_reached_server`` is False only when the failure came before any byte was sent
    (connect phase), which makes any call safe to repeat. ``transient`` is False for failures a
    retry cannot fix (a bad certificate, an invalid URL).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        request_id: str = "",
        attempts: int = 1,
        may_have_reached_server: bool = True,
        transient: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.endpoint = endpoint
        self.request_id = request_id
        self.attempts = attempts
        self.may_have_reached_server = may_have_reached_server

    def __str__(self) -> str:
        rid = f", request_id={self.request_id}" if self.request_id else ""
        return f"{self.message} [{self.endpoint}, attempts={self.attempts}{rid}]"


class APITimeoutError(APIConnectionError):
    """An attempt exceeded its connect, read or total timeout."""


class ClientClosedError(CoCalcError):
    """The Client was closed before the call started, or while it was in flight."""


class EventLoopMismatchError(CoCalcError, RuntimeError):
    """A Client was used from an event loop other than the one it first ran in."""


class ResponseValidationError(CoCalcError):
    """A JSON response did not fit its result model. ``path`` names the bad field (``"$.now"``)."""

    def __init__(self, message: str, *, path: str = "$", model: str = "", body: Any = None):
        super().__init__(message)
        self.path = path
        self.model = model
        self.body = body


class OperationError(CoCalcError):
    """A long-running operation (copy, exec job) did not end well."""


class CopyFailedError(OperationError):
    """A copy finished with an error. ``status`` is the final status."""

    def __init__(self, status: Any, message: str | None = None) -> None:
        self.status = status
        err = getattr(status, "error", None)
        super().__init__(message or f"copy failed: {err}")


class ExecFailedError(OperationError):
    """A command (or async exec job) ended with an error status or a non-zero exit code."""

    def __init__(
        self,
        message: str,
        *,
        stdout: str = "",
        stderr: str = "",
        exit_code: int | None = None,
        result: Any = None,
    ) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code
        self.result = result


class ExecJobPollError(OperationError):
    """A poll of an async exec job was not answered with that job's state.

    Typically the answer was ``type: "blocking"``: the server took the poll for a new command
    and may have run it again, so polling on would repeat it. ``result`` is that answer.
    """

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


class PollTimeoutError(OperationError, TimeoutError):
    """Polling ran out of time. ``last_status`` is the last status seen (or ``None``)."""

    def __init__(self, last_status: Any, message: str | None = None) -> None:
        self.last_status = last_status
        super().__init__(message or "polling timed out before the operation finished")
