"""Runtime helpers of the generated code (``cocalc_async/_generated/`` imports them from here).

Hand-written, linted and type-checked like the rest of the library; the generated modules import
only this module, ``_types`` and ``models`` from outside ``_generated/``, and never the generator.
This module in turn reaches nothing above it (not ``_generated``, the client or the pollers, not
even lazily): what it needs from them is declared as a Protocol the caller satisfies.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

from ._types import NOT_GIVEN, Json, JsonObject

if TYPE_CHECKING:
    from .models.copy import CopyPathStatus

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
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json: ...


class CallAs:
    """A :class:`Caller` that sends through ``caller`` with the consumer's decision for the call.

    A generated coroutine passes its endpoint's idempotency from the spec, and derives the HTTP
    timeout from the server-side limit. A consumer sometimes knows better for one call: a poll
    of an exec job (``async_get``) only reads the job although exec as an endpoint must not be
    repeated; an async start answers at once however long the job may run. ``idempotent``
    (when not ``None``) replaces the coroutine's value; ``client_timeout`` sends the call with
    no timeout of its own, so the client picks it as for any call by name. Everything else is
    passed through unchanged.
    """

    __slots__ = ("_caller", "_client_timeout", "_idempotent")

    def __init__(
        self, caller: Caller, *, idempotent: bool | None = None, client_timeout: bool = False
    ) -> None:
        self._caller = caller
        self._idempotent = idempotent
        self._client_timeout = client_timeout

    async def call(
        self,
        api: Literal["v1", "v2", "conat/hub", "conat/project"],
        path: str,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Json:
        if self._idempotent is not None:
            options["idempotent"] = self._idempotent
        if self._client_timeout:
            # None means the client's own. The old spelling ``timeout`` is cleared too, for a
            # consumer's coroutine written against the Caller of earlier releases.
            for name in ("request_timeout", "timeout"):
                if name in options:
                    options[name] = None
        return await self._caller.call(api, path, params, **options)


class CopyWaiter(Protocol):
    """What ``wait=True`` on the copy coroutines needs besides :class:`Caller`: the copy pollers
    of ``Client`` (``wait_timeout`` is the polling deadline in seconds)."""

    async def wait_for_copy(
        self, copy_path_id: str, *, wait_timeout: float | None = None
    ) -> CopyPathStatus: ...

    async def wait_for_copy_v2(
        self, copy_id: str, *, wait_timeout: float | None = None
    ) -> CopyPathStatus: ...


def check_uuid(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` (or each item of a list) is a UUID; ``None`` passes.

    CoCalc answers some malformed ids with a success-looking ``{}``, so they are caught here.
    """
    if value is None or value is NOT_GIVEN:
        return
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or isinstance(items, (bytes, bytearray)):
        raise ValueError(f"{name} must be a UUID string, got {type(value).__name__}")
    if not items:
        # An empty list would reach CoCalc as "no project at all", which some handlers treat as
        # success without doing anything.
        raise ValueError(f"{name} must be a UUID (or a non-empty list of them), got an empty list")
    for item in items:
        if not (isinstance(item, str) and _UUID.match(item)):
            raise ValueError(f"{name} must be a UUID like '1b4e28ba-2fa1-...', got {item!r}")


# --- argument checks ---------------------------------------------------------------------
#
# Each generated coroutine owns one ``Checker``, built once at import from the same spec types as
# its annotations. It turns the caller's keywords into the JSON body in one pass: values left at
# NOT_GIVEN (or None, which CoCalc reads as "not given") are omitted, every other value is checked
# against its spec type and converted to plain JSON. A bad value is a TypeError/ValueError naming
# the endpoint and the parameter, raised before anything is sent.

Check = Callable[[str, str, object], Json]


def _type_name(value: object) -> str:
    return type(value).__name__


def _fail_type(where: str, name: str, wanted: str, value: object) -> TypeError:
    return TypeError(f"{where}: parameter '{name}' must be {wanted}, got {_type_name(value)}")


def _text(where: str, name: str, value: object) -> Json:
    if type(value) is str or isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(
            f"{where}: parameter '{name}' must be text (str), got {_type_name(value)}: "
            "decode it first"
        )
    raise _fail_type(where, name, "a string", value)


def _file_text(where: str, name: str, value: object) -> Json:
    """File content: ``str``, or ``bytes`` that are UTF-8 (CoCalc's text-file API takes text)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{where}: parameter '{name}' got bytes that are not UTF-8 ({exc.reason} at "
                f"byte {exc.start}); CoCalc's text-file API carries text only"
            ) from None
    return _text(where, name, value)


def _uuid(where: str, name: str, value: object) -> Json:
    if not isinstance(value, str):
        raise _fail_type(where, name, "a UUID string", value)
    if not _UUID.match(value):
        shown = "an empty string" if not value else repr(value[:60])
        raise ValueError(
            f"{where}: parameter '{name}' must be a UUID like '1b4e28ba-2fa1-...', got {shown}"
        )
    return str(value)


def _sequence(where: str, name: str, value: object, wanted: str) -> Sequence[object]:
    if isinstance(value, (str, bytes, bytearray, memoryview, Mapping)) or not isinstance(
        value, Sequence
    ):
        raise _fail_type(where, name, wanted, value)
    return value


def _uuid_list(where: str, name: str, value: object) -> Json:
    items = _sequence(where, name, value, "a list of UUID strings")
    if not items:
        # An empty list would reach CoCalc as "no project at all", which some handlers treat as
        # success without doing anything.
        raise ValueError(f"{where}: parameter '{name}' must be a non-empty list of UUIDs")
    return [_uuid(where, f"{name}[{i}]", item) for i, item in enumerate(items)]


def _uuid_or_list(where: str, name: str, value: object) -> Json:
    return _uuid(where, name, value) if isinstance(value, str) else _uuid_list(where, name, value)


def _text_list(where: str, name: str, value: object) -> Json:
    items = _sequence(where, name, value, "a list of strings")
    if all(type(item) is str for item in items):
        return list(items)  # type: ignore[arg-type]
    return [_text(where, f"{name}[{i}]", item) for i, item in enumerate(items)]


def _text_or_list(where: str, name: str, value: object) -> Json:
    return _text(where, name, value) if isinstance(value, str) else _text_list(where, name, value)


def _number(where: str, name: str, value: object) -> Json:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail_type(where, name, "a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: parameter '{name}' must be a finite number, got {value!r}")
    return int(value) if isinstance(value, int) else float(value)


def _timeout(where: str, name: str, value: object) -> Json:
    number = _number(where, name, value)
    if isinstance(number, (int, float)) and number <= 0:
        # CoCalc reads 0 as "no limit" in some places and kills at once in others: never meant.
        raise ValueError(
            f"{where}: parameter '{name}' must be a positive number of seconds, got {value!r}"
        )
    return number


def _boolean(where: str, name: str, value: object) -> Json:
    if isinstance(value, bool):
        return bool(value)
    raise _fail_type(where, name, "a bool", value)


def _object(where: str, name: str, value: object) -> Json:
    if not isinstance(value, Mapping):
        raise _fail_type(where, name, "a mapping (dict)", value)
    return _json_value(where, name, value)


def _array(where: str, name: str, value: object) -> Json:
    return _json_value(where, name, _sequence(where, name, value, "a list"))


class _NotPlain(Exception):
    """Raised by ``_plain`` at the first value it cannot send; ``_named`` then says where."""


def _plain(value: object) -> Json:
    """``value`` as JSON, fast (no names built); raises ``_NotPlain`` on anything doubtful."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value  # type: ignore[return-value]
    if kind is float:
        if math.isfinite(value):  # type: ignore[arg-type]
            return value  # type: ignore[return-value]
        raise _NotPlain
    if kind is dict:
        out: JsonObject = {}
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise _NotPlain
            if item is not NOT_GIVEN:
                out[key] = _plain(item)
        return out
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]  # type: ignore[attr-defined]
    raise _NotPlain  # subclasses, other mappings and sequences, bytes: the careful path


def _json_value(where: str, name: str, value: object) -> Json:
    """Any JSON value: dicts with string keys, lists, text, finite numbers, booleans, null."""
    try:
        return _plain(value)
    except _NotPlain:
        return _named(where, name, value)
    except RecursionError:
        raise ValueError(f"{where}: parameter '{name}' is nested too deeply to send") from None


def _named(where: str, name: str, value: object) -> Json:
    """``_json_value`` the careful way: converts what it can and names what it cannot."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"{where}: parameter '{name}' holds {value!r}, which JSON cannot carry"
            )
        return float(value)
    if isinstance(value, Mapping):
        out: JsonObject = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"{where}: parameter '{name}' has a key {key!r} that is not a string"
                )
            if item is not NOT_GIVEN:
                out[key] = _named(where, f"{name}.{key}", item)
        return out
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{where}: parameter '{name}' holds {_type_name(value)}; JSON carries text: decode it"
        )
    if isinstance(value, Sequence):
        return [_named(where, f"{name}[{i}]", item) for i, item in enumerate(value)]
    raise TypeError(f"{where}: parameter '{name}' holds a {_type_name(value)}, which is not JSON")


_KINDS: dict[str, Check] = {
    "text": _text,
    "file_text": _file_text,
    "uuid": _uuid,
    "uuid_list": _uuid_list,
    "uuid_or_list": _uuid_or_list,
    "text_list": _text_list,
    "text_or_list": _text_or_list,
    "number": _number,
    "timeout": _timeout,
    "boolean": _boolean,
    "object": _object,
    "array": _array,
    "json": _json_value,
}
#: The check kinds a spec field may name (the generator picks one per parameter).
KINDS = frozenset(_KINDS)
# Values of these exact types are sent as they are, without calling the check: the common case
# (a str for a string, an int for a number) costs one set lookup. A float still goes through the
# check (NaN, inf), and so does every UUID (its format).
_FAST: dict[str, frozenset[type]] = {
    "text": frozenset({str}),
    "file_text": frozenset({str}),
    "number": frozenset({int}),
    "boolean": frozenset({bool}),
    "json": frozenset({str, int, bool}),
}
_NONE: frozenset[type] = frozenset()


def _choices(options: tuple[str, ...]) -> Check:
    def check(where: str, name: str, value: object) -> Json:
        if isinstance(value, str) and value in options:
            return str(value)
        if not isinstance(value, str):
            raise _fail_type(where, name, f"one of {list(options)}", value)
        raise ValueError(
            f"{where}: parameter '{name}' must be one of {list(options)}, got {value!r}"
        )

    return check


class Checker:
    """Checks and encodes the keywords of one endpoint; built once per endpoint at import.

    ``fields`` holds ``(wire name, kind, required)``; ``kind`` names a check (see ``KINDS``) or is
    a tuple of the allowed strings. ``py_names`` maps a wire name to the Python argument that
    carries it where the two differ (``timeout`` -> ``exec_timeout``): errors name the argument
    the caller wrote.
    """

    __slots__ = ("_fields", "_one_of", "where")

    def __init__(
        self,
        where: str,
        fields: tuple[tuple[str, str | tuple[str, ...], bool], ...],
        one_of: tuple[tuple[str, ...], ...] = (),
        py_names: Mapping[str, str] | None = None,
    ):
        shown = py_names or {}
        self.where = where
        self._one_of = tuple((group, [shown.get(name, name) for name in group]) for group in one_of)
        self._fields = tuple(
            (
                name,
                shown.get(name, name),
                _KINDS[kind] if isinstance(kind, str) else _choices(kind),
                required,
                _FAST.get(kind, _NONE) if isinstance(kind, str) else _NONE,
            )
            for name, kind, required in fields
        )

    def _missing(self, name: str, value: object) -> TypeError:
        return TypeError(f"{self.where}: parameter '{name}' is required, got {value!r}")

    def __call__(self, values: Mapping[str, object]) -> JsonObject:
        """The JSON body: given values checked and converted, the rest left out."""
        out: JsonObject = {}
        for name, shown, check, required, fast in self._fields:
            value = values[name]
            if value is None or value is NOT_GIVEN:
                if required:
                    raise self._missing(shown, value)
                continue
            out[name] = value if type(value) in fast else check(self.where, shown, value)  # type: ignore[assignment]
        for group, group_shown in self._one_of:
            if not any(name in out for name in group):
                raise TypeError(f"{self.where}: give at least one of the parameters {group_shown}")
        return out

    def positional(self, values: Mapping[str, object]) -> list[Json]:
        """Positional RPC arguments: an omitted one is ``null`` unless only omitted ones follow."""
        out: list[Json] = []
        pending = 0  # omitted values not yet written: they matter only if a given one follows
        for name, shown, check, required, _fast in self._fields:
            value = values[name]
            if value is None or value is NOT_GIVEN:
                if required:
                    raise self._missing(shown, value)
                pending += 1
                continue
            out += [None] * pending
            pending = 0
            out.append(check(self.where, shown, value))
        return out


def body(params: Mapping[str, object]) -> JsonObject:
    """The JSON body: ``None``/``NOT_GIVEN`` values dropped (CoCalc reads ``null`` as "not given")."""
    out: JsonObject = {}
    for key, value in params.items():
        if value is not None and value is not NOT_GIVEN:
            out[key] = _json_value("body", key, value)
    return out


def http_timeout(
    request_timeout: float | None, default: float | None, server_timeout: object = None
) -> float | None:
    """The HTTP timeout: the caller's, else one that outlasts the server-side timeout."""
    if request_timeout is not None:
        return request_timeout
    if isinstance(server_timeout, (int, float)) and not isinstance(server_timeout, bool):
        return max(default or 0.0, float(server_timeout) + TIMEOUT_MARGIN_S)
    return default


def renamed(where: str, old: str, old_value: T, new: str, new_value: T) -> T:
    """The value of a parameter given by its deprecated name ``old``: warns, and refuses both."""
    if old_value is None or old_value is NOT_GIVEN:
        return new_value
    if new_value is not None and new_value is not NOT_GIVEN:
        raise TypeError(f"{where}: give {new}= only; {old}= is its deprecated name")
    warnings.warn(
        f"{where}: the parameter {old}= is deprecated, use {new}= (the same value, sent as before)",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


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
        from ._convert import structure as loaded

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
    from .errors import ResponseValidationError

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
        if not (math.isfinite(rpc_timeout) and rpc_timeout > 0):
            raise ValueError(
                f"rpc_timeout must be a positive number of seconds, got {rpc_timeout!r}"
            )
        out["timeout"] = int(rpc_timeout * 1000)
    if project_id is not None:
        out["project_id"] = project_id
    return out


async def wait_for_copy(
    caller: Caller, kind: Literal["copy_v1", "copy_v2"], started: object, timeout: float
) -> CopyPathStatus | None:
    """Poll a copy the server was asked not to wait for; ``None`` when it had nothing to poll.

    An empty id means the server already finished the copy (a single-user hub copies at once):
    it is never polled. The polling is the caller's (a :class:`CopyWaiter`, as ``Client`` is).
    """
    if kind == "copy_v1":
        copy_path_id: str | None = getattr(started, "copy_path_id", None)
        if not copy_path_id:
            return None
        return await _waiter(caller, "wait_for_copy").wait_for_copy(
            copy_path_id, wait_timeout=timeout
        )
    copy_id: str | None = getattr(started, "copy_id", None)
    if not copy_id:
        return None
    return await _waiter(caller, "wait_for_copy_v2").wait_for_copy_v2(copy_id, wait_timeout=timeout)


def _waiter(caller: Caller, method: str) -> CopyWaiter:
    if not callable(getattr(caller, method, None)):
        raise TypeError(
            f"wait=True polls the copy through the caller's {method}() (a Client has it); "
            f"{type(caller).__name__} has none: call without wait=True and poll yourself"
        )
    return cast(CopyWaiter, caller)  # its method was checked just above
