"""The protocol without I/O: build a request, classify a response.

Both functions are pure, so the whole of CoCalc's error vocabulary is tested without a network
(``tests/core/test_sansio.py``). ``classify_response`` raises only :class:`CoCalcError` subclasses,
whatever bytes it is given.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Mapping
from typing import Any, NamedTuple, NoReturn

from . import _defaults, _json, errors
from ._generated import error_table as _error_table
from ._types import API_NAMES, NOT_GIVEN, Json
from .errors import (
    AccountCreationFailedError,
    APIError,
    APIResponseError,
    APIStatusError,
    AuthenticationStatusError,
    BadGatewayError,
    BadRequestError,
    FileNotFoundOnServerError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundStatusError,
    PermissionDeniedStatusError,
    RateLimitStatusError,
    RequestTooLargeError,
    ResponseDecodeError,
    ServiceUnavailableError,
    SignUpError,
)

__all__ = [
    "PreparedRequest",
    "build_request",
    "classify_response",
    "new_request_id",
    "parse_retry_after",
]

_CONAT_PATHS = {"conat/hub": "api/conat/hub", "conat/project": "api/conat/project"}
_VALID_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


class PreparedRequest(NamedTuple):
    """Everything needed to send one logical call; ``body`` is bytes so retries resend it as is.

    A NamedTuple rather than a frozen dataclass: it is built once per call on the hot path, and a
    frozen dataclass's ``__init__`` costs about a microsecond more.
    """

    method: str
    url: str
    body: bytes
    api: str
    path: str

    @property
    def endpoint(self) -> str:
        return f"{self.api}/{self.path}"


def build_request(
    api: str, path: str, params: Mapping[str, Any] | None, *, base_url: str
) -> PreparedRequest:
    """Validate a call and encode it as CoCalc expects: the spec's method (POST), a JSON body.

    ``None`` and ``NOT_GIVEN`` values are dropped (v1 treats ``null`` as "not given" and rejects
    unknown keys).
    For the conat bridge, ``path`` is the RPC name and ``params`` the rest of the body
    (``args``, ``timeout`` in ms, ``project_id``).
    """
    target = _endpoint_targets.get((api, path, base_url))
    if target is None:
        target = _endpoint_target(api, path, base_url)
    method, url = target
    body: dict[str, Any]
    if not params:
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping (dict), got {type(params).__name__}")
        if api == "v1" or api == "v2":
            # No parameters (a ping, a listing): the encoded body is a constant.
            return _new_tuple(PreparedRequest, (method, url, b"{}", api, path))
        body = {}
    elif isinstance(params, Mapping):
        body = {}
        for key, value in params.items():
            if value is None or value is NOT_GIVEN:
                continue
            if not isinstance(key, str):
                raise TypeError(f"parameter names must be strings, got {key!r}")
            body[key] = value
    else:
        raise TypeError(f"params must be a mapping (dict), got {type(params).__name__}")
    if api == "v1":
        if "event" in body:
            raise ValueError(
                "do not send 'event' in a v1 body: the server answers 400 (the path names the event)"
            )
        if "id" in body:
            # The spec's events without an ``id`` field: v1's validator answers 400 to one.
            from ._generated import policy

            if path in policy.V1_NO_ID:
                raise ValueError(f"v1 {path} takes no 'id' parameter: the server answers 400")
    elif api != "v2":
        if "name" in body:
            raise ValueError("conat parameters must not contain 'name': the path is the RPC name")
        body = {"name": path, **body}
    try:
        encoded = _json.dumps(body)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"parameters of {api}/{path} are not JSON-serialisable: {exc}") from None
    # tuple.__new__: the NamedTuple without its generated __new__'s Python frame (hot path).
    return _new_tuple(PreparedRequest, (method, url, encoded, api, path))


# A version-4 UUID (RFC 4122 variant) built from one 128-bit draw: uuid.uuid4() costs about 3 µs
# per call (a getrandbits syscall plus UUID validation), this about 1 µs. Request ids identify a
# call in logs and errors; they are not secrets, so a non-cryptographic generator is enough.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_request_id(getrandbits: Any = random.getrandbits) -> str:
    """A fresh client request id: a uuid4 as 32 hex digits."""
    return "%032x" % ((getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET)


# The HTTP method (the spec's, per API) and URL of each endpoint already validated, by
# (api, path, base_url): the regex, the URL's f-string and the method lookup run once per
# endpoint, not once per call. Bounded, since callers of Client.call may name arbitrary paths.
_endpoint_targets: dict[tuple[str, str, str], tuple[str, str]] = {}
_new_tuple = tuple.__new__


def _endpoint_target(api: str, path: str, base_url: str) -> tuple[str, str]:
    _check_endpoint(api, path)
    from ._generated import policy  # loaded with the first call, not with the package

    method: str = policy.HTTP_METHODS[api]
    if api == "v1" or api == "v2":
        url = f"{base_url}/api/{api}/{path}"
    else:
        url = f"{base_url}/{_CONAT_PATHS[api]}"
    target = (method, url)
    if len(_endpoint_targets) < 4096:
        _endpoint_targets[(api, path, base_url)] = target
    return target


def _check_endpoint(api: str, path: str) -> None:
    if api not in API_NAMES:
        raise ValueError(f"api must be one of {sorted(API_NAMES)}, got {api!r}")
    if not isinstance(path, str) or not _VALID_PATH.match(path) or ".." in path:
        raise ValueError(f"invalid endpoint path {path!r}")


# --- classifying responses ---------------------------------------------------------------

# The error table (cocalc_async/spec/errors.py, generated into _generated/error_table.py): each
# text row is compiled once here; shape rows are applied where the shape is recognised. A row
# names a kind; what is raised is the kind's form for where the answer came from (errors.form_of):
# its StatusError form from a non-2xx answer, its ResponseError form from a 2xx body.


class _Rule(NamedTuple):
    id: str
    #: The kind the row names; ``type[Any]`` because shape rows pass their own keywords.
    cls: type[Any]
    #: The class raised when the row matches a non-2xx answer (``None``: such an answer is
    #: classified by its status instead) and when it matches a 2xx body.
    status_cls: type[Any] | None
    body_cls: type[Any] | None
    match: str
    pattern: str
    regex: re.Pattern[str] | None
    status: int | None
    api: str | None
    path: str | None


def _load_rules() -> tuple[tuple[_Rule, ...], dict[str, _Rule]]:
    text_rules: list[_Rule] = []
    shapes: dict[str, _Rule] = {}
    for rid, cls_name, match, pattern, status, api, path, shape in _error_table.RULES:
        cls = getattr(errors, cls_name, None)
        if not (isinstance(cls, type) and issubclass(cls, APIError)):
            raise TypeError(f"error table row {rid!r} names {cls_name}, not an APIError")
        status_cls = errors.form_of(cls, from_status=True)
        body_cls = errors.form_of(cls, from_status=False)
        # A text row can match a 2xx body, so its kind must have a body form; a shape row is
        # raised from the one side its shape belongs to.
        needed = status_cls if status is not None and not 200 <= status < 300 else body_cls
        if needed is None:
            raise TypeError(f"error table row {rid!r}: {cls_name} never arrives that way")
        regex = re.compile(pattern) if match == "regex" else None
        rule = _Rule(rid, cls, status_cls, body_cls, match, pattern, regex, status, api, path)
        if shape is not None:
            shapes[shape] = rule
        else:
            text_rules.append(rule)
    return tuple(text_rules), shapes


# Compiled on the first error, not at import: a call that succeeds never reads the table.
_RULES: tuple[tuple[_Rule, ...], dict[str, _Rule]] | None = None


def _rules() -> tuple[tuple[_Rule, ...], dict[str, _Rule]]:
    global _RULES
    if _RULES is None:
        _RULES = _load_rules()
    return _RULES


def _shape_rule(shape: str) -> _Rule:
    return _rules()[1][shape]


def _shape_class(rule: _Rule, *, from_status: bool) -> type[Any]:
    """The class a shape row raises; _load_rules has checked that its kind has that form."""
    cls = rule.status_cls if from_status else rule.body_cls
    if cls is None:
        raise TypeError(f"error table row {rule.id!r} has no form for this answer")
    return cls


_ERROR_PREFIX = "Error: "


class _Kind(NamedTuple):
    """What a text rule decided: the row's kind (and its two forms), the throttle hint, the file
    path an ENOENT names."""

    row: _Rule
    retry_after: float | None
    path: str | None
    rule: str


def _rule_applies(rule: _Rule, answer: _Answer | None) -> bool:
    if answer is None:
        return rule.api is None and rule.status is None and rule.path is None
    if rule.api is not None and not answer.api.startswith(rule.api):
        return False
    if rule.path is not None and answer.path != rule.path:
        return False
    return rule.status is None or rule.status == answer.status


def _match_text(text: str, code: Any = None, answer: _Answer | None = None) -> _Kind | None:
    """The first row of the error table that matches the server's text (or error code)."""
    if text.startswith(_ERROR_PREFIX):
        text = text[len(_ERROR_PREFIX) :]  # a conat bridge's String(err) of the same throw
    for rule in _rules()[0]:
        found: re.Match[str] | None = None
        if rule.match == "exact":
            hit = text == rule.pattern
        elif rule.match == "prefix":
            hit = text.startswith(rule.pattern)
        elif rule.match == "code":
            hit = code == rule.pattern
        else:
            found = rule.regex.search(text) if rule.regex is not None else None
            hit = found is not None
        if not hit or not _rule_applies(rule, answer):
            continue
        groups = found.groupdict() if found is not None else {}
        wait = groups.get("retry_after")
        return _Kind(rule, float(wait) if wait else None, groups.get("path"), rule.id)
    return None


# v1 handlers that report failure inside their own event.
_V1_FAILURE_EVENTS = frozenset(
    {
        "changed_email_address",
        "changed_password",
        "forgot_password_response",
        "reset_forgot_password_response",
        "account_deleted",
    }
)
_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationStatusError,
    403: PermissionDeniedStatusError,
    404: NotFoundStatusError,
    413: RequestTooLargeError,
    429: RateLimitStatusError,
    500: InternalServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}
# Non-2xx statuses whose JSON error text is classified by the error table (a kind with a status
# form); any other status is classified by the status alone.
_TEXT_STATUSES = frozenset({400, 401, 403, 404, 429})
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


class _Undecodable:
    """Marks a body that is not JSON (distinct from a JSON ``null``)."""


_UNDECODABLE = _Undecodable()


class _Answer(NamedTuple):
    """One HTTP answer and the call it belongs to: what every error built from it carries."""

    api: str
    path: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    request_id: str
    attempts: int

    def context(self, data: Any, error: Any = None) -> dict[str, Any]:
        """The keyword arguments every :class:`APIError` built from this answer takes."""
        return {
            "endpoint": f"{self.api}/{self.path}",
            "status_code": self.status,
            "body": data,
            "body_excerpt": _excerpt(self.body),
            "headers": dict(self.headers),
            "request_id": self.request_id,
            "attempts": self.attempts,
            "error": error,
        }


def classify_response(
    api: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request_id: str = "",
    attempts: int = 1,
) -> Json:
    """Return the decoded JSON of a successful answer, or raise the matching typed error.

    Handles every form CoCalc uses: v1 400 ``{"error"}``; 200 ``{"event":"error"}``;
    v1 failure events; v2/conat 200 ``{"error"}``; ``auth/sign-up`` issues; throttle text;
    non-2xx statuses with JSON or HTML bodies; and 200 bodies that are not JSON.
    """
    if 200 <= status < 300 and body:
        # The success path, without building the _Answer the error paths need: a JSON array, or
        # an object with no "error" key and no error event, from an endpoint whose 2xx answers
        # have no shape of their own to check. Anything else takes the full path below.
        try:
            data = _json.loads(body)
        except _json.DECODE_ERRORS:
            pass
        else:
            kind = type(data)
            if kind is list:
                return data  # type: ignore[no-any-return]
            if (
                kind is dict
                and "error" not in data
                and data.get("event") not in _ERROR_EVENTS
                and (api, path) not in _special_2xx()
            ):
                return data  # type: ignore[no-any-return]
    answer = _Answer(api, path, status, headers, body, request_id, attempts)
    try:
        return _classify(answer)
    except APIError:
        raise
    except Exception as exc:  # the contract: nothing but CoCalcError escapes, whatever the bytes
        raise ResponseDecodeError(
            f"could not interpret the response: {type(exc).__name__}", **answer.context(None)
        ) from None


# Events that make a 2xx object an error whatever its other keys (see _raise_body_error).
_ERROR_EVENTS = ("error", "account_creation_failed")
_special: frozenset[tuple[str, str]] | None = None


def _special_2xx() -> frozenset[tuple[str, str]]:
    """Endpoints whose 2xx answers ``_raise_body_error`` inspects beyond "error" and "event"
    (the spec's failure shapes)."""
    global _special
    if _special is None:
        _special = frozenset(_error_table.ENDPOINT_SHAPES)
    return _special


def _classify(answer: _Answer) -> Json:
    body, status = answer.body, answer.status
    data: Any
    try:
        data = _json.loads(body) if body else _UNDECODABLE
    except _json.DECODE_ERRORS:
        data = _UNDECODABLE
    if not 200 <= status < 300:
        _raise_status_error(answer, None if data is _UNDECODABLE else data)
    if type(data) is dict:
        _raise_body_error(answer, data)
        return data
    if data is _UNDECODABLE:
        if status == 204 and not body:
            return None
        reason = "an empty body" if not body else "a body that is not JSON"
        raise ResponseDecodeError(
            f"HTTP {status} with {reason} where JSON was expected", **answer.context(None)
        )
    return data  # type: ignore[no-any-return]


def _raise_body_error(answer: _Answer, data: dict[str, Any]) -> None:
    """Raise if a 2xx JSON object is one of CoCalc's ways of saying "error".

    ``classify_response`` returns an object without "error" and error events before reaching
    here, unless its endpoint is in ``_special_2xx()``: a new per-endpoint check belongs there too.
    """
    error = data.get("error")
    if data.get("event") == "error" or (error is not None and error is not False and error != ""):
        raise _body_error(answer, data, error)
    if answer.api == "v1":
        event = data.get("event")
        if event == "account_creation_failed":
            reason = data.get("reason")
            raise AccountCreationFailedError(
                f"account creation failed: {_describe(reason)}",
                reason=reason if isinstance(reason, dict) else {"error": reason},
                **answer.context(data),
            )
        # isinstance first: a hostile {"event": []} must not make the set lookup raise TypeError.
        if isinstance(event, str) and event in _V1_FAILURE_EVENTS and data.get("error"):
            raise _body_error(answer, data, data["error"])
    else:
        # The spec names the endpoints that report a failure inside their result.
        shape = _error_table.ENDPOINT_SHAPES.get((answer.api, answer.path))
        if shape == "sign_up_issues":
            issues = data.get("issues")
            if isinstance(issues, dict) and issues:
                raise SignUpError(
                    f"sign-up refused: {_describe(issues)}", issues=issues, **answer.context(data)
                )
        elif shape == "latex_failed":
            _raise_latex_failure(answer, data)


def _raise_status_error(answer: _Answer, decoded: Any) -> NoReturn:
    status = answer.status
    message: Any = None
    if isinstance(decoded, dict):
        message = decoded.get("error") or decoded.get("message")
    retry_after = parse_retry_after(answer.headers)
    if retry_after is None and isinstance(decoded, dict):
        hint_ms = decoded.get("retry_after_ms")
        if isinstance(hint_ms, (int, float)) and not isinstance(hint_ms, bool) and hint_ms >= 0:
            retry_after = hint_ms / 1000.0
    if message is not None:
        text = _describe(message)
        if status == 400 and isinstance(decoded, dict):
            _raise_invalid_body(answer, decoded, text)
        kind = _match_text(text, _code_of(message), answer)
        if kind is not None and kind.row.status_cls is not None and status in _TEXT_STATUSES:
            raise _build(kind.row.status_cls, kind, text, answer, decoded, message, retry_after)
    else:
        text = _html_summary(answer.body) or f"HTTP {status}"
        if status == 404 and not isinstance(decoded, (dict, list)):
            _raise_not_served(answer, text)
    cls_for_status = _STATUS_CLASSES.get(status)
    if cls_for_status is None:
        cls_for_status = InternalServerError if status >= 500 else APIStatusError
    raise cls_for_status(
        f"HTTP {status}: {text}" if not text.startswith("HTTP ") else text,
        retry_after=retry_after,
        **answer.context(decoded, message),
    )


def _raise_invalid_body(answer: _Answer, decoded: dict[str, Any], text: str) -> None:
    """A validating v2 route's 400: ``{"message": "Invalid request body.", "errors": [...]}``."""
    rule = _shape_rule("invalid_body")
    issues = decoded.get("errors")
    if decoded.get("error") is not None or not isinstance(issues, list):
        return
    fields = [_issue_text(issue) for issue in issues[:10] if isinstance(issue, dict)]
    detail = f" ({'; '.join(fields)})" if fields else ""
    raise _shape_class(rule, from_status=True)(
        f"{text}{detail}",
        errors=issues,
        **answer.context(decoded, decoded.get("message")),
    )


def _issue_text(issue: dict[str, Any]) -> str:
    """One zod issue as ``path: message``; a union's as its alternatives, ``a: m | b: m``."""
    branches = issue.get("unionErrors")
    if issue.get("code") == "invalid_union" and isinstance(branches, list) and branches:
        alternatives = []
        for branch in branches[:4]:
            inner = branch.get("issues") if isinstance(branch, dict) else None
            if isinstance(inner, list):
                alternatives.append(
                    ", ".join(_issue_text(i) for i in inner[:5] if isinstance(i, dict))
                )
        if alternatives:
            return "either " + " | or ".join(alternatives)
    where = issue.get("path")
    name = ".".join(str(p) for p in where) if isinstance(where, list) else str(where or "")
    message = str(issue.get("message", issue.get("code", "invalid")))
    return f"{name}: {message}" if name else message


def _raise_not_served(answer: _Answer, title: str) -> None:
    """A 404 web page where an API endpoint belongs: say which API this server lacks."""
    rule = _shape_rule("html_404")
    replacement = ""
    if answer.api == "v1":
        replacement = _error_table.V1_REPLACEMENTS.get(answer.path, "")
        instead = replacement or "the v2 API (client.v2) or the conat bridge (client.conat)"
        what = (
            f"this server does not serve API v1 (CoCalc removed it on 2025-05-29, c7956b572e); "
            f"instead of v1 {answer.path} use {instead}"
        )
    elif answer.api == "v2":
        from ._generated import policy

        known = ("v2", answer.path) in policy.IDEMPOTENT | policy.NON_IDEMPOTENT
        what = f"this server has no v2 route {answer.path!r}: " + (
            "it is built from a CoCalc that lacks it, or serves only part of the API"
            if known
            else "CoCalc's v2 API has no such route either (check the path)"
        )
    else:
        what = f"this server does not serve the conat bridge (/api/{answer.api})"
    raise _shape_class(rule, from_status=True)(
        f"HTTP 404 ({title}): {what}", replacement=replacement, **answer.context(None)
    )


def _code_of(error: Any) -> Any:
    return error.get("code") if isinstance(error, dict) else None


def _build(
    cls: type[Any],
    kind: _Kind,
    text: str,
    answer: _Answer,
    data: Any,
    error: Any,
    retry_after: float | None = None,
) -> APIError:
    """The error a table row names, in the form ``cls`` for where it came from, with the
    server's exact text."""
    extra: dict[str, Any] = {}
    if issubclass(cls, FileNotFoundOnServerError):
        path = kind.path
        if path is None and isinstance(error, dict) and isinstance(error.get("path"), str):
            path = error["path"]
        extra["path"] = path
    hint = retry_after if retry_after is not None else kind.retry_after
    built: APIError = cls(text, retry_after=hint, **extra, **answer.context(data, error))
    return built


def _body_error(answer: _Answer, data: dict[str, Any], error: Any) -> APIError:
    text = _describe(error) if error is not None else "the server reported an error"
    kind = _match_text(text, _code_of(error), answer)
    if kind is None or kind.row.body_cls is None:
        return APIResponseError(text, **answer.context(data, error))
    return _build(kind.row.body_cls, kind, text, answer, data, error)


def _raise_latex_failure(answer: _Answer, data: dict[str, Any]) -> None:
    """``v2/latex`` reports a failed compile inside its result, with no top-level error."""
    rule = _shape_rule("latex_failed")
    if not _rule_applies(rule, answer):
        return
    parts: dict[str, str | None] = {}
    log = ""
    for key in ("compile", "pdf"):
        part = data.get(key)
        if isinstance(part, dict) and part.get("event") == "error":
            parts[key] = _describe(part.get("error", "error"))
        if key == "compile" and isinstance(part, dict):
            log = "".join(str(part.get(k) or "") for k in ("stdout", "stderr"))
    if not parts:
        return
    text = parts.get("compile") or parts.get("pdf") or "LaTeX failed"
    raise _shape_class(rule, from_status=False)(
        f"LaTeX compile failed: {text}",
        compile_error=parts.get("compile"),
        pdf_error=parts.get("pdf"),
        log=log,
        **answer.context(data, parts.get("compile") or parts.get("pdf")),
    )


def _describe(value: Any) -> str:
    """A readable one-line text for an error value: a string, or a Node error object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "message" in value and isinstance(value["message"], str):
            return value["message"]
        code, syscall, where = value.get("code"), value.get("syscall"), value.get("path")
        if code or syscall:
            # A serialised Node error, e.g. {"code":"ENOENT","syscall":"open","path":"a.txt"}.
            detail = " ".join(str(p) for p in (syscall, where) if p)
            return f"{code}: {detail}" if code and detail else str(code or detail)
        return "; ".join(f"{k}: {_describe(v)}" for k, v in list(value.items())[:10])
    if isinstance(value, list):
        return "; ".join(_describe(v) for v in value[:10])
    return str(value)[: _defaults.BODY_EXCERPT_CHARS]


def _excerpt(body: bytes) -> str:
    text = body[: _defaults.BODY_EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    return text[: _defaults.BODY_EXCERPT_CHARS]


def _html_summary(body: bytes) -> str:
    """A short readable text from an HTML error page (its title, or its first words)."""
    text = body[:4096].decode("utf-8", errors="replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    raw = title.group(1) if title else _TAGS.sub(" ", text)
    return _SPACES.sub(" ", raw).strip()[:120]


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    value = headers.get("retry-after-ms") or headers.get("Retry-After-Ms")
    if value:
        try:
            ms = float(value)
        except ValueError:
            pass
        else:
            if ms >= 0 and ms == ms and ms != float("inf"):
                return ms / 1000.0
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return seconds
