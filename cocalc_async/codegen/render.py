"""Spec -> Python source for the generated package, through the Jinja2 templates in ``templates/``.

The Python here only prepares data (names, annotations, literals, which imports a module needs);
the templates hold every line of layout. Their output is passed through ``ruff format`` once
(:func:`ruff_format`), so a template never has to wrap a long line by hand and the result is
exactly what ``ruff format --check`` accepts. Everything is iterated in sorted order, so the same
spec always renders the same bytes.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from .._runtime import TIMEOUT_MARGIN_S
from ..spec import Endpoint, Param
from .pytypes import (
    annotation_of,
    arg_name,
    camel_class,
    check_kind,
    docstring_text,
    identifier,
    pystr,
    snake,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Results that are a bare JSON value rather than a model (conat RPCs return these).
SCALAR_RESULTS = frozenset({"str", "int", "float", "bool"})
#: The result spec of an RPC that returns nothing (TypeScript ``Promise<void>``).
NO_RESULT = "None"
#: ``ruff format`` settings of this repository (pyproject.toml's ``[tool.ruff]``), passed
#: explicitly with ``--isolated``: no configuration file of the machine (a user's ruff.toml) can
#: change the output.
RUFF_ARGS = ("--isolated", "--line-length", "100", "--target-version", "py310")


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment: no HTML escaping, block tags leave no blank lines behind."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,  # Python source, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context: Any) -> str:
    """One template with ``context``."""
    return environment().get_template(template).render(**context)


def ruff_format(files: Mapping[str, str]) -> dict[str, str]:
    """``files`` (relative path -> source) as ``ruff format`` writes them, in one ruff run."""
    with tempfile.TemporaryDirectory(prefix="cocalc-codegen-") as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        subprocess.run(
            [*_ruff(), "format", "--quiet", "--no-cache", *RUFF_ARGS, str(root)],
            check=True,
            cwd=root,
        )
        return {rel: (root / rel).read_text(encoding="utf-8") for rel in sorted(files)}


def _ruff() -> list[str]:
    # The pinned ruff of the dev extra, run by the interpreter that runs the generator.
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    if found is None:
        raise RuntimeError(
            "the code generator needs ruff: pip install -e '.[dev]' (pyproject.toml)"
        )
    return [found]


# --- data for the templates ------------------------------------------------------------------


def _class_spec(model: str) -> str:
    """``"list[copy:X]"`` / ``"dict[copy:X]"`` -> ``"copy:X"``; anything else unchanged."""
    return model[5:-1] if model.startswith(("list[", "dict[")) else model


def model_ref(model: str) -> tuple[str, str]:
    """A result spec -> (annotation, runtime type expression).

    Specs: ``"copy:CopyPathStatus"``, ``"list[copy:CopyPathStatus]"``, ``"dict[accounts:X]"``
    (keyed by string), a JSON scalar such as ``"str"``, or ``"None"`` (nothing is returned).
    """
    if model == NO_RESULT:
        return "None", ""
    if model in SCALAR_RESULTS:
        return model, model
    module, cls = _class_spec(model).split(":")
    ref = f"_m_{module}.{cls}"
    if model.startswith("list["):
        return f"builtins.list[{ref}]", f"builtins.list[{ref}]"
    if model.startswith("dict["):
        return f"builtins.dict[str, {ref}]", f"builtins.dict[str, {ref}]"
    return ref, ref


def model_modules(endpoints: Iterable[Endpoint]) -> list[str]:
    mods = set()
    for e in endpoints:
        if e.result_model and ":" in e.result_model:
            mods.add(_class_spec(e.result_model).split(":")[0])
    return sorted(mods)


def imports(code: str, endpoints: list[Endpoint], depth: int) -> list[list[str]]:
    """The import sections ``code`` uses (ruff would flag the rest), in isort's order.

    ``depth`` is the package nesting below ``_generated``.
    """
    up = "." * (depth + 2)
    std = []
    if "builtins." in code:
        std.append("import builtins")
    if "functools." in code:
        std.append("import functools")
    abc = [n for n in ("Mapping", "Sequence") if f"{n}[" in code]
    if abc:
        std.append(f"from collections.abc import {', '.join(abc)}")
    typing = [n for n in ("TYPE_CHECKING", "Literal") if n in code]
    if "@overload" in code:
        typing.append("overload")
    if typing:
        std.append(f"from typing import {', '.join(typing)}")
    local = []
    if "_s." in code:  # isort puts `from .. import x` before `from .._types import ...`
        local.append(f"from {up} import _runtime as _s")
    names = [n for n in ("NOT_GIVEN", "Json", "NotGiven") if re.search(rf"\b{n}\b", code)]
    if names:
        local.append(f"from {up}_types import {', '.join(names)}")
    for m in model_modules(endpoints):
        local.append(f"from {up}models import {m} as _m_{m}")
    return [section for section in (std, local) if section]


def module(doc: str, code: str, endpoints: list[Endpoint], depth: int) -> str:
    """A whole generated module: header, the imports ``code`` needs, then ``code``."""
    # isort wants one blank line before plain code after the imports, two before a class.
    gap = "\n" if code.startswith("if ") else "\n\n"
    return render(
        "module.py.j2", doc=doc, imports=imports(code, endpoints, depth), gap=gap, body=code
    )


def _kind_literal(kind: str | tuple[str, ...]) -> str:
    if isinstance(kind, str):
        return pystr(kind)
    return "(" + ", ".join(pystr(k) for k in kind) + ("," if len(kind) == 1 else "") + ")"


def _check_rows(e: Endpoint, params: list[Param]) -> str:
    """The ``fields`` of the endpoint's ``_s.Checker``: one ``(wire name, kind, required)`` each."""
    rows = [
        f"({pystr(p.name)}, {_kind_literal(check_kind(p, e.params_auto))}, {p.required!r})"
        for p in params
    ]
    # One row stays on one line; several are one per line (the trailing comma keeps them so).
    return f"({rows[0]},)" if len(rows) == 1 else "(" + ", ".join(rows) + ",)"


def _param_line(p: Param, name: str | None = None) -> str:
    ann = annotation_of(p)
    name = name or arg_name(p)
    if p.required and name == arg_name(p):
        return f"{name}: {ann},"
    # Not passed means not sent: the server applies its own default (``None`` is "not given" too).
    return f"{name}: {ann} | NotGiven | None = NOT_GIVEN,"


def _param_doc(p: Param) -> str:
    bits = [docstring_text(p.doc) or "(undocumented)", f"Type ``{p.type}``"]
    if p.required:
        bits.append("required")
    if p.default is not None:
        bits.append(f"server default ``{docstring_text(repr(p.default))}`` (not sent)")
    if p.is_uuid:
        bits.append("checked as a UUID before sending")
    if p.bytes_as_utf8:
        bits.append("``bytes`` are sent as the UTF-8 text they encode")
    if p.py_name:
        bits.append(f"sent as ``{p.name}``")
    return "; ".join(bits)


def _timeout_note(e: Endpoint, server_t: str | None) -> str:
    """What the docstring says about this endpoint's own HTTP timeout, if it has one."""
    notes = []
    if e.default_timeout:
        notes.append(f"{e.default_timeout:g} s here")
    if e.api.startswith("conat/"):
        # The bridge's RPC limit is rpc_timeout, else the server-side timeout parameter.
        limit = "``rpc_timeout``" + (f" (else ``{server_t}``)" if server_t else "")
        notes.append(f"at least {limit} + {TIMEOUT_MARGIN_S:g} s when given")
    elif server_t:
        notes.append(f"at least ``{server_t}`` + {TIMEOUT_MARGIN_S:g} s when given")
    if e.max_timeout:
        notes.append(f"the server itself gives up after {e.max_timeout:g} s")
    return f" ({'; '.join(notes)})" if notes else ""


def method_context(e: Endpoint, name: str) -> dict[str, Any]:
    """Everything ``method.py.j2`` needs for one ``async def``."""
    conat = e.api.startswith("conat/")
    project = e.api == "conat/project"
    params = [p for p in e.params if p.exposed and not (project and p.name == "project_id")]
    ann, rt = model_ref(e.result_model) if e.result_model else ("Json", "")
    timeout_param = e.param(e.timeout_param) if e.timeout_param else None
    server_t = arg_name(timeout_param) if timeout_param else "None"
    if conat:
        rpc_t = (
            f"rpc_timeout if rpc_timeout is not None else {server_t}"
            if timeout_param
            else "rpc_timeout"
        )
        timeout_expr = f"_s.http_timeout(request_timeout, {e.default_timeout!r}, rpc_t)"
    elif e.default_timeout is None and timeout_param is None:
        rpc_t = ""
        timeout_expr = "request_timeout"  # nothing to stretch: the caller's, else the Client's
    else:
        rpc_t = ""
        timeout_expr = f"_s.http_timeout(request_timeout, {e.default_timeout!r}, {server_t})"
    if e.result_model in SCALAR_RESULTS:
        result = "scalar"
    elif e.result_model == NO_RESULT:
        result = "none"  # an RPC that returns nothing ends with the call
    else:
        result = "model" if rt else "json"
    return {
        "name": name,
        "api": pystr(e.api),
        "path": pystr(e.path),
        "where": pystr(f"{e.api}/{e.path}"),
        "conat": conat,
        "project": project,
        "check_attr": f"_check_{name}",
        "check_rows": _check_rows(e, params) if params else "()",
        "one_of": ("(" + ", ".join(_kind_literal(g) for g in e.one_of) + ",)" if e.one_of else ""),
        "py_names": (
            "{"
            + ", ".join(f"{pystr(p.name)}: {pystr(p.py_name)}" for p in params if p.py_name)
            + "}"
            if any(p.py_name for p in params)
            else ""
        ),
        "params": [
            {
                "arg": arg_name(p),
                "wire": pystr(p.name),
                "line": _param_line(p),
                "doc": _param_doc(p),
                "old": p.deprecated_name or "",
            }
            for p in params
        ],
        "renamed": [
            {
                "arg": arg_name(p),
                "arg_str": pystr(arg_name(p)),
                "old": p.deprecated_name,
                "old_str": pystr(p.deprecated_name),
                "old_line": _param_line(p, p.deprecated_name),
            }
            for p in params
            if p.deprecated_name
        ],
        "args_style": e.args_style,
        "returns": ann,
        "final": "_m_copy.CopyPathStatus | None",
        "rt": rt,
        "waiter": pystr(e.waiter) if e.waiter else "",
        "removed": pystr(e.removed_date or "") if e.status == "removed-from-http" else "",
        "removed_date": e.removed_date,
        "rpc_t": rpc_t,
        "timeout_expr": timeout_expr,
        "timeout_note": _timeout_note(e, arg_name(timeout_param) if timeout_param else None),
        "idempotent": repr(e.idempotent),
        # An RPC that returns nothing keeps no ``data``: what a newer server might send is ignored.
        "receive": e.result_model != NO_RESULT,
        "result": result,
        # The docstring.
        "summary": docstring_text(e.summary) or e.path,
        "availability": docstring_text(e.availability),
        "legacy": docstring_text(e.replacement) if e.status == "legacy" else "",
        "alias_names": ", ".join(f"``{identifier(a)}``" for a in e.aliases),
        "params_auto": e.params_auto,
        # As users write it: list[CopyPathStatus], not builtins.list[_m_copy.CopyPathStatus].
        "returns_shown": re.sub(r"\bbuiltins\.|\b_m_\w+\.", "", ann),
        "returns_doc": docstring_text(e.response or "the parsed JSON"),
        "errors": [docstring_text(err) for err in e.errors],
        "example": docstring_text(e.example) if e.example else "",
    }


def group_tree(endpoints: list[Endpoint], sep: str) -> dict[tuple[str, ...], list[Endpoint]]:
    """Endpoints keyed by their namespace path: ``projects/collaborators/add`` -> (projects, collaborators)."""
    tree: dict[tuple[str, ...], list[Endpoint]] = {}
    for e in endpoints:
        parts = tuple(e.path.split(sep)[:-1])
        for i in range(len(parts) + 1):
            tree.setdefault(parts[:i], [])
        tree[parts].append(e)
    return tree


def method_name(e: Endpoint, sep: str) -> str:
    last = e.path.split(sep)[-1]
    return identifier(snake(last) if e.api.startswith("conat/") else last)


def namespace(
    cls: str,
    doc: str,
    endpoints: list[Endpoint],
    sep: str,
    children: list[dict[str, str]],
    extra: str = "",
) -> str:
    """A namespace class: one cached property per child namespace, then its coroutines."""
    ordered = sorted(endpoints, key=lambda e: e.path)
    return render(
        "namespace.py.j2",
        cls=cls,
        doc=doc,
        children=children,
        extra=extra,
        methods=[method_context(e, method_name(e, sep)) for e in ordered],
        aliases=[
            {"name": identifier(a), "target": method_name(e, sep), "path": e.path}
            for e in ordered
            for a in e.aliases
        ],
    )


def classes_for(
    prefix: str,
    tree: dict[tuple[str, ...], list[Endpoint]],
    sep: str,
    doc: str,
    root_extra: str = "",
    root_children: list[dict[str, str]] | None = None,
) -> str:
    """Every namespace class of one tree, children before parents so names resolve in order.

    ``root_extra`` names a template rendered into the root class (the bridges' ``call``);
    ``root_children`` replaces the root's children (v2's, imported lazily from their modules).
    """
    out = []
    for node in sorted(tree, key=lambda n: (-len(n), n)):
        children = sorted(
            (
                {
                    "attr": identifier(child[-1]),
                    "cls": prefix + camel_class(list(child)),
                    "label": identifier(child[-1]),
                    "module": "",
                }
                for child in tree
                if len(child) == len(node) + 1 and child[: len(node)] == node
            ),
            key=lambda c: c["attr"],
        )
        if not node and root_children is not None:
            children = root_children
        where = "/".join(node) if node else "top level"
        out.append(
            namespace(
                prefix + camel_class(list(node)),
                f"{doc}: {where}.",
                tree[node],
                sep,
                children,
                root_extra if not node else "",
            )
        )
    return "\n\n".join(out)
