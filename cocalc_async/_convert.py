"""The one cattrs converter that turns response JSON into result models.

cattrs is imported on first use, not with the package: ``import cocalc_async`` stays cheap and
callers who only use ``client.call`` never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from types import UnionType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, Union, get_args, get_origin

from ._types import Json
from .errors import ResponseValidationError

if TYPE_CHECKING:
    import cattrs

__all__ = ["converter", "structure"]

T = TypeVar("T")
# Two converters with the same hooks: a fast one (no detailed validation) for the success path,
# and a detailed one that only runs to name the bad field once the fast one has failed. Detailed
# validation wraps every field in bookkeeping that costs about 20 % of a structure call.
_fast: cattrs.Converter | None = None
_detailed: cattrs.Converter | None = None
# One structure hook per result type, looked up once: converter.structure() dispatches on every
# call, which costs about a microsecond on the hot path of a generated coroutine.
_hooks: dict[Any, Callable[[Any, Any], Any]] = {}


def converter() -> cattrs.Converter:
    """The shared converter (detailed validation: its errors name the field), built on first use."""
    global _detailed
    if _detailed is None:
        _detailed = _build(detailed=True)
    return _detailed


def _fast_converter() -> cattrs.Converter:
    global _fast
    if _fast is None:
        _fast = _build(detailed=False)
    return _fast


def structure(data: Json, cl: type[T] | Any) -> T:
    """``data`` as a ``cl`` (a model class or e.g. ``list[Model]``).

    Raises :class:`ResponseValidationError` naming the first bad field (``$.now``).
    """
    hook = _hooks.get(cl)
    if hook is None:
        hook = _hooks[cl] = _fast_converter().get_structure_hook(cl)
    try:
        result: T = hook(data, cl)
    except Exception:
        try:  # run again with detailed validation, whose error says where the data went wrong
            result = converter().structure(data, cl)
        except Exception as exc:  # cattrs lets AttributeError through, e.g. null for a dict
            _raise_validation_error(exc, data, cl)
        return result  # the detailed converter accepted what the fast one refused
    return result


def _raise_validation_error(exc: Exception, data: Json, cl: Any) -> NoReturn:
    import cattrs

    messages = (
        cattrs.transform_error(exc, path="$")
        if isinstance(exc, cattrs.BaseValidationError)
        else [f"{exc} @ $"]
    )
    first = messages[0] if messages else f"invalid value @ $: {exc}"
    text, _, path = first.rpartition(" @ ")
    name = getattr(cl, "__name__", str(cl))
    raise ResponseValidationError(
        f"response does not fit {name}: {text or first} at {path or '$'}",
        path=path or "$",
        model=name,
        body=data,
    ) from exc


def _parse_datetime(value: Any, _: Any) -> datetime:
    # CoCalc sends ISO strings ("...Z", which fromisoformat only reads from 3.11 on) and, over
    # conat, milliseconds since the epoch.
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        return datetime.fromisoformat(text)
    raise TypeError(f"expected a timestamp, got {type(value).__name__}")


def _json_value(value: Any, _: Any) -> Any:
    # Fields of unknown shape keep the parsed JSON as it came.
    return value


def _json_object(value: Any, _: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _optional_scalar(kind: type) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        # cattrs' own scalar hooks call the type (``str(value)``): the same result, without
        # its dispatch on every field.
        if value is None or type(value) is kind:
            return value
        return kind(value)

    return hook


_SCALARS: tuple[type, ...] = (str, int, float, bool)
_flat_hooks: dict[Any, Callable[[Any, Any], Any] | None] = {}


def _is_flat_model(t: Any) -> bool:
    if t not in _flat_hooks:
        _flat_hooks[t] = _build_flat_hook(t) if isinstance(t, type) else None
    return _flat_hooks[t] is not None


def _flat_model_hook(t: Any) -> Callable[[Any, Any], Any]:
    hook = _flat_hooks[t]
    assert hook is not None  # _is_flat_model said so
    return hook


def _build_flat_hook(cl: type) -> Callable[[Any, Any], Any] | None:
    """``cl(c0(o["a"]), c1(o["b"]) if "b" in o else default, ...)`` for an attrs class whose
    fields are all positional scalars (``str``, ``int``, ``float``, ``bool``, or one of them
    ``| None``) with plain defaults; ``None`` for any other class (cattrs' own hook serves it).

    The same result as cattrs' generated hook: scalars are converted by calling the type, a
    missing field takes its default, a missing required one raises ``KeyError`` (and the
    detailed converter then names it), unknown keys are ignored.
    """
    import attrs

    if not attrs.has(cl):
        return None
    attrs.resolve_types(cl)
    env: dict[str, Any] = {"__cl": cl}
    args: list[str] = []
    for i, field in enumerate(attrs.fields(cl)):
        if not field.init or field.kw_only or getattr(field, "alias", field.name) != field.name:
            return None
        kind = field.type
        if kind in _SCALARS:
            env[f"c{i}"] = kind
        else:
            base = next((s for s in _SCALARS if kind == (s | None)), None)
            if base is None:
                return None
            env[f"c{i}"] = _optional_scalar_1(base)
        key = repr(field.name)
        if field.default is attrs.NOTHING:
            args.append(f"c{i}(o[{key}])")
        elif field.default is None or type(field.default) in _SCALARS:
            env[f"d{i}"] = field.default
            args.append(f"c{i}(o[{key}]) if {key} in o else d{i}")
        else:  # a Factory or a mutable default: cattrs' hook knows what to do
            return None
    source = f"def hook(o, _):\n    return __cl({', '.join(args)})\n"
    # The source holds only the model's own field names (Python identifiers), never response data.
    exec(compile(source, f"<flat structure {cl.__qualname__}>", "exec"), env)
    hook: Callable[[Any, Any], Any] = env["hook"]
    return hook


def _optional_scalar_1(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None or type(value) is kind:
            return value
        return kind(value)

    return convert


_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def _is_json(t: Any) -> bool:
    # ``Json`` comes back from annotation resolution as a fresh union with forward references,
    # so it is recognised by its shape: the five scalars plus one list and one dict.
    if get_origin(t) not in (Union, UnionType):
        return False
    args = get_args(t)
    return len(args) == 7 and set(args) >= _JSON_LEAVES


def _is_json_object(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is dict and len(args) == 2 and args[0] is str and _is_json(args[1])


def _build(*, detailed: bool) -> cattrs.Converter:
    import cattrs

    from .models.copy import CopyPathStatus

    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(datetime, _parse_datetime)
    for scalar in _SCALARS:
        # ``X | None`` fields are most of every model: one call instead of cattrs' Optional
        # dispatch per field (seven ProjectSummary rows: 14.0 -> 10.3 µs).
        conv.register_structure_hook(scalar | None, _optional_scalar(scalar))
    if not detailed:
        # Models of scalar fields only: built by one positional call, without the dict of
        # given fields cattrs builds per object (seven ProjectSummary rows 9.7 -> 7.0 µs, and a
        # third of the allocations the GC then scans).
        conv.register_structure_hook_factory(_is_flat_model, _flat_model_hook)
    conv.register_structure_hook_func(_is_json, _json_value)
    conv.register_structure_hook_func(_is_json_object, _json_object)

    base = conv.get_structure_hook(CopyPathStatus)

    def copy_status(value: Any, cl: Any) -> CopyPathStatus:
        # v2 says "copy_error" where v1 says "error": one model serves both.
        if isinstance(value, dict) and "copy_error" in value and "error" not in value:
            value = {**value, "error": value["copy_error"]}
        result: CopyPathStatus = base(value, cl)
        return result

    conv.register_structure_hook(CopyPathStatus, copy_status)

    def one_or_many(value: Any, _: Any) -> CopyPathStatus | list[CopyPathStatus]:
        if isinstance(value, list):
            return [copy_status(v, CopyPathStatus) for v in value]
        return copy_status(value, CopyPathStatus)

    conv.register_structure_hook(CopyPathStatus | list[CopyPathStatus], one_or_many)

    from .models.projects import CollaboratorsAdded, ProjectStatus

    status_base = conv.get_structure_hook(ProjectStatus)

    def project_status(value: Any, cl: Any) -> ProjectStatus:
        # CoCalc's keys are "project.pid", "hub-server.port", ...: not Python names.
        if isinstance(value, dict):
            value = {str(k).replace(".", "_").replace("-", "_"): v for k, v in value.items()}
        result: ProjectStatus = status_base(value, cl)
        return result

    conv.register_structure_hook(ProjectStatus, project_status)
    added_base = conv.get_structure_hook(CollaboratorsAdded)

    def collaborators_added(value: Any, cl: Any) -> CollaboratorsAdded:
        # {project_id?: string | string[]}: one id or several, or none.
        if isinstance(value, dict) and isinstance(value.get("project_id"), str):
            value = {**value, "project_id": [value["project_id"]]}
        if isinstance(value, dict) and value.get("project_id", ()) is None:
            value = {k: v for k, v in value.items() if k != "project_id"}
        result: CollaboratorsAdded = added_base(value, cl)
        return result

    conv.register_structure_hook(CollaboratorsAdded, collaborators_added)
    return conv
