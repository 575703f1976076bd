"""Spec types -> Python annotations, and Python literals written the way ``ruff format`` would."""

from __future__ import annotations

import keyword
import re

from ..spec import Param

_SIMPLE = {
    "string": "str",
    "number": "float",
    "boolean": "bool",
    "any": "Json",
    "object|any": "Json",
    "object": "Mapping[str, Json]",
    "array": "Sequence[Json]",
    "string[]": "Sequence[str]",
    "uuid[]": "Sequence[str]",
    "uuid|uuid[]": "str | Sequence[str]",
    "string|string[]": "str | Sequence[str]",
}
_LITERALS = re.compile(r'^"[^"]*"(\|"[^"]*")+$')


def annotation(param: Param) -> str:
    """The Python annotation of a parameter (without the ``| None`` of an optional one)."""
    t = param.type
    if t in _SIMPLE:
        return _SIMPLE[t]
    if t.startswith("string("):
        return "str"
    if _LITERALS.match(t):
        return "Literal[" + ", ".join(pystr(v.strip('"')) for v in t.split("|")) + "]"
    # Anything else ("number|string|{value}") is taken as any JSON value: permissive on purpose.
    return "Json"


def annotation_of(param: Param) -> str:
    """The annotation, widened to ``str | bytes`` for file content."""
    ann = annotation(param)
    return f"{ann} | bytes" if param.bytes_as_utf8 and ann == "str" else ann


_KIND_OF = {
    "string(uuid)": "uuid",
    "uuid[]": "uuid_list",
    "uuid|uuid[]": "uuid_or_list",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
    "string[]": "text_list",
    "string|string[]": "text_or_list",
}
#: Parameters that are a time limit in seconds: zero or a negative value is refused.
TIMEOUT_NAMES = frozenset({"timeout"})


def check_kind(param: Param, params_auto: bool = False) -> str | tuple[str, ...]:
    """The runtime check of a parameter (a kind of ``_runtime.Checker``, or the allowed strings).

    Derived from the same spec type as :func:`annotation`, so the check and the annotation agree.
    Types extracted automatically from a handler (``params_auto``) are guesses: only their UUIDs
    are checked; the rest must merely be JSON.
    """
    t = param.type
    if params_auto and not param.required and not param.is_uuid:
        return "json"
    if _LITERALS.match(t):
        return tuple(v.strip('"') for v in t.split("|"))
    if t == "number" and param.name in TIMEOUT_NAMES:
        return "timeout"
    if t in _KIND_OF:
        return _KIND_OF[t]
    if t == "string" or t.startswith("string("):
        return "file_text" if param.bytes_as_utf8 else "text"
    return "json"


def identifier(name: str) -> str:
    """A Python name for a wire name: dashes and dots become underscores, keywords get a ``_``."""
    out = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return out + "_" if keyword.iskeyword(out) else out


def arg_name(param: Param) -> str:
    """The parameter's Python argument: its ``py_name``, else its wire name made an identifier."""
    return param.py_name or identifier(param.name)


def snake(name: str) -> str:
    """``copyPathBetweenProjects`` -> ``copy_path_between_projects``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def camel_class(parts: list[str]) -> str:
    """``["projects", "collaborators"]`` -> ``ProjectsCollaborators``."""
    return "".join(w.capitalize() for p in parts for w in re.split(r"[-_./]", p) if w)


def pystr(s: str) -> str:
    """A string literal as ``ruff format`` prints it: double quotes unless that needs escapes."""
    quote = "'" if '"' in s and "'" not in s else '"'
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def pyvalue(v: object) -> str:
    """A JSON default as Python source."""
    if isinstance(v, str):
        return pystr(v)
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list) and not v:
        return "()"  # an immutable empty default; it is sent as []
    raise ValueError(f"unsupported default {v!r}")


def docstring_text(s: str) -> str:
    """Text safe inside a triple-quoted docstring."""
    return s.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').rstrip()
