"""Runtime helpers of the generated code (copied verbatim into ``_generated/_support.py``).

Kept here as a real module so it is linted and type-checked; the generator copies its text so the
generated package never imports the generator.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from .._types import Json, JsonObject

if TYPE_CHECKING:
    from ..models.copy import CopyPathStatus

T = TypeVar("T")

# The dashed form only: CoCalc's is_valid_uuid_string rejects the other spellings uuid.UUID takes.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

#: How far the HTTP timeout reaches past a server-side timeout, so the server answers first.
TIMEOUT_MARGIN_S = 30.0


class Caller(Protocol):
    """What the generated classes need: ``Client.call`` (docs/architecture.md)."""

    async def call(
        self,
        api: Literal["v1", "v2", "conat/hub", "conat/project"],
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json: ...


def check_uuid(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` (or each item of a list) is a UUID; ``None`` passes.

    CoCalc answers some malformed ids with a success-looking ``{}``, so they are caught here.
    """
    if value is None:
        return
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise ValueError(f"{name} must be a UUID string, got {type(value).__name__}")
    if not items:
        # An empty list would reach CoCalc as "no project at all", which some handlers treat as
        # success without doing anything.
        raise ValueError(f"{name} must be a UUID (or a non-empty list of them), got an empty list")
    for item in items:
        if not (isinstance(item, str) and _UUID.match(item)):
            raise ValueError(f"{name} must be a UUID like '1b4e28ba-2fa1-...', got {item!r}")


def body(params: Mapping[str, object]) -> JsonObject:
    """The JSON body: ``None`` values dropped (CoCalc reads ``null`` as "not given")."""
    out: JsonObject = {}
    for key, value in params.items():
        if value is not None:
            out[key] = _jsonable(value)
    return out


def _jsonable(value: object) -> Json:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_jsonable(v) for v in value]
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def http_timeout(
    request_timeout: float | None, default: float | None, server_timeout: object = None
) -> float | None:
    """The HTTP timeout: the caller's, else one that outlasts the server-side timeout."""
    if request_timeout is not None:
        return request_timeout
    if isinstance(server_timeout, (int, float)) and not isinstance(server_timeout, bool):
        return max(default or 0.0, float(server_timeout) + TIMEOUT_MARGIN_S)
    return default


def warn_removed(api: str, path: str, date: str) -> None:
    """Warn that the endpoint left CoCalc's HTTP API, and say what the server will answer."""
    warnings.warn(
        f"{api} endpoint '{path}' was removed from CoCalc's HTTP API on {date}; the server will "
        f"answer HTTP 400 \"endpoint '{path}' is not part of the HTTP API\"",
        DeprecationWarning,
        stacklevel=3,
    )


# ``_convert`` (and cattrs with it) loads on the first structured result, not at import. The
# function is kept once loaded: an import statement inside ``structure`` would cost about a
# microsecond on every call.
_structure: Callable[[Json, Any], Any] | None = None


def structure(data: Json, cl: type[T]) -> T:
    """``data`` as a ``cl``; raises ``ResponseValidationError``."""
    global _structure
    if _structure is None:
        from .._convert import structure as loaded

        _structure = loaded
    result: T = _structure(data, cl)
    return result


def scalar(data: Json, cl: type[T]) -> T:
    """``data`` when it is a JSON ``cl`` (``str``, ``int``, ``float``, ``bool``); raises
    ``ResponseValidationError`` otherwise, never converts (``str(None)`` is not a project id)."""
    if cl is float and isinstance(data, int) and not isinstance(data, bool):
        data = float(data)  # JSON has one number type: 3 is a valid float
    if isinstance(data, cl) and (cl is bool or not isinstance(data, bool)):
        return data
    from ..errors import ResponseValidationError

    raise ResponseValidationError(
        f"response does not fit {cl.__name__}: got {type(data).__name__} at $",
        path="$",
        model=cl.__name__,
        body=data,
    )


def conat_params(
    args: list[Json], rpc_timeout: object = None, project_id: str | None = None
) -> JsonObject:
    """The bridge body minus ``name``: ``args``, the RPC ``timeout`` in ms, and ``project_id``."""
    out: JsonObject = {"args": args}
    if isinstance(rpc_timeout, (int, float)) and not isinstance(rpc_timeout, bool):
        out["timeout"] = int(rpc_timeout * 1000)
    if project_id is not None:
        out["project_id"] = project_id
    return out


def positional(*values: object) -> list[Json]:
    """Positional RPC arguments, trailing ``None`` values dropped."""
    items = list(values)
    while items and items[-1] is None:
        items.pop()
    return [_jsonable(v) for v in items]


async def wait_for_copy(
    caller: Caller, kind: Literal["copy_v1", "copy_v2"], started: object, timeout: float
) -> CopyPathStatus | None:
    """Poll a copy the server was asked not to wait for; ``None`` when it had nothing to poll.

    An empty id means the server already finished the copy (reference §10.1): it is never polled.
    """
    from .. import polling

    if kind == "copy_v1":
        copy_path_id: str | None = getattr(started, "copy_path_id", None)
        if not copy_path_id:
            return None
        return await polling.wait_for_copy(caller, copy_path_id, timeout=timeout)
    copy_id: str | None = getattr(started, "copy_id", None)
    if not copy_id:
        return None
    return await polling.wait_for_copy_v2(caller, copy_id, timeout=timeout)
