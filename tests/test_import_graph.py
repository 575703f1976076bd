"""The import graph of ``cocalc_async``: arrows point one way and nothing goes round in a circle.

Imports are read with ``ast``, so lazy imports inside functions and ``TYPE_CHECKING`` blocks count
too, and relative imports are resolved against the importing module's package. In the graph,
``from pkg import sub`` is an edge to the submodule ``pkg.sub`` when there is one, else to ``pkg``.

* no cycle anywhere (Tarjan's strongly connected components);
* ``_generated`` is a leaf over ``_types``, ``_runtime`` and ``models``, and ``_runtime`` never
  reaches the generated code or anything built on it, not even lazily;
* layer order: no module imports one of a higher layer (:data:`LAYERS`);
* the library never imports the emulator, except the CLI modules that start it;
* the emulator (``cocalc_async/testing/``) imports nothing of the SDK: if it read the SDK's
  spec, models or error classes, the two would agree by construction and every
  SDK-against-emulator test would prove nothing about CoCalc.
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cocalc_async"
TESTING = PACKAGE / "testing"
ALLOWED = "cocalc_async.testing"

#: The layers, lowest first, as patterns of module names below ``cocalc_async.`` ("" is the
#: package itself). A module may import its own layer and those below, never one above. Every
#: module outside ``testing/`` must match exactly one layer: a new module is placed here.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("_types", "types", "_defaults", "_json", "_version")),
    ("models", ("models", "models.*")),
    ("runtime", ("errors", "_runtime", "_convert", "_redact", "_logging", "_config")),
    ("generated", ("_generated", "_generated.*")),
    (
        "client",
        (
            "",
            "_sansio",
            "_session",
            "_retry",
            "retry",
            "_idempotency",
            "_endpoint_facts",
            "transport",
            "client",
            "polling",
            "query",
            "doctor",
            "embed",
            "embed.*",
            "bulk",
        ),
    ),
    ("jobs", ("jobs", "jobs.*")),
    ("cli", ("__main__", "cli", "cli.*")),
    # The spec is read by the generator only: the library reads the data generated from it.
    ("spec", ("spec", "spec.*")),
    ("codegen", ("codegen", "codegen.*")),
)
#: The library modules that may import the emulator: the CLI commands that start it.
STARTS_THE_EMULATOR = frozenset({"cocalc_async.cli", "cocalc_async.cli.course"})
#: What the generated modules may import besides themselves and the standard library.
GENERATED_MAY_IMPORT = ("cocalc_async._types", "cocalc_async._runtime", "cocalc_async.models")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """``(line, absolute module)`` for every import in ``path`` (or in ``source``, read as if it
    were that file), relative ones resolved."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import x` may import a submodule x: check each name as a module too
            names = [f"{target}.{a.name}" for a in node.names] if not node.module else []
            out.append((node.lineno, target))
            out.extend((node.lineno, n) for n in names)
    return out


def _violates(name: str) -> bool:
    if name != "cocalc_async" and not name.startswith("cocalc_async."):
        return False
    return not (name == ALLOWED or name.startswith(ALLOWED + "."))


def test_the_emulator_imports_nothing_of_the_sdk() -> None:
    files = sorted(TESTING.rglob("*.py"))
    assert len(files) > 20  # the whole package was walked, not an empty directory
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in files
        for line, name in imported_modules(path)
        if _violates(name)
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("source", "file", "expected"),
    [
        ("from cocalc_async.spec import find", "cocalc_async/testing/x.py", True),
        ("import cocalc_async.errors", "cocalc_async/testing/x.py", True),
        ("from .. import _json", "cocalc_async/testing/x.py", True),
        ("from ..models import files", "cocalc_async/testing/x.py", True),
        ("from ... import errors", "cocalc_async/testing/web/x.py", True),
        ("from .._util import is_uuid", "cocalc_async/testing/web/x.py", False),
        ("from . import dispatch", "cocalc_async/testing/x.py", False),
        ("from cocalc_async.testing import Emulator", "cocalc_async/testing/x.py", False),
        ("import aiohttp", "cocalc_async/testing/x.py", False),
    ],
)
def test_the_checker_sees_every_form(source: str, file: str, expected: bool) -> None:
    # the checker itself must catch absolute, relative and package-level forms
    names = [n for _, n in imported_modules(ROOT / file, source)]
    assert any(_violates(n) for n in names) is expected, names


# --- the graph -------------------------------------------------------------------------------


def all_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(package.rglob("*.py"))}


@dataclass(frozen=True)
class Edge:
    """One import statement: ``source`` imports ``target`` at ``file:line``."""

    source: str
    target: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} imports {self.target}"


def graph_edges(path: Path, modules: Iterable[str], source: str | None = None) -> list[Edge]:
    """The edges of ``path`` (or of ``source`` read as that file) to modules in ``modules``:
    ``from pkg import sub`` goes to ``pkg.sub`` when that is a module, otherwise to ``pkg``."""
    known = set(modules)
    if source is None:
        source = path.read_text(encoding="utf-8")
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    file = str(path.relative_to(ROOT))
    edges: list[Edge] = []

    def add(line: int, target: str) -> None:
        if target in known and target != module:
            edges.append(Edge(module, target, file, line))

    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                add(node.lineno, sub if sub in known else target)
    return edges


def build_graph(modules: Mapping[str, Path] | None = None) -> dict[str, list[Edge]]:
    modules = all_modules() if modules is None else modules
    return {name: graph_edges(path, modules) for name, path in modules.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components that are cycles (more than one module, or a module
    importing itself), each sorted; Tarjan's algorithm, iterative so depth is no limit."""
    succ = {v: sorted(set(ws)) for v, ws in graph.items()}
    for ws in list(succ.values()):
        for w in ws:
            succ.setdefault(w, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(succ):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on_stack.add(v)
            if i < len(succ[v]):
                work.append((v, i + 1))
                w = succ[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if work:  # v is done: its parent takes its low-link
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1 or v in succ[v]:
                    found.append(sorted(component))
    return sorted(found)


def _describe_cycles(graph: Mapping[str, list[Edge]]) -> str:
    targets = {m: [e.target for e in edges] for m, edges in graph.items()}
    parts = []
    for component in cycles(targets):
        members = set(component)
        lines = [str(e) for m in component for e in graph[m] if e.target in members]
        parts.append(f"cycle of {len(component)}: {', '.join(component)}\n  " + "\n  ".join(lines))
    return "\n".join(parts)


def layer_of(module: str) -> list[str]:
    """The layers whose patterns match ``module`` (one, for a placed module)."""
    rel = "" if module == "cocalc_async" else module.removeprefix("cocalc_async.")
    return [name for name, patterns in LAYERS if any(fnmatch.fnmatchcase(rel, p) for p in patterns)]


def _library(graph: Mapping[str, list[Edge]]) -> dict[str, list[Edge]]:
    return {m: e for m, e in graph.items() if not (m == ALLOWED or m.startswith(ALLOWED + "."))}


def _closure(graph: Mapping[str, list[Edge]], start: str) -> dict[str, Edge | None]:
    """Every module ``start`` reaches, with the edge it was first reached by."""
    seen: dict[str, Edge | None] = {start: None}
    todo = [start]
    while todo:
        for edge in graph.get(todo.pop(), []):
            if edge.target not in seen:
                seen[edge.target] = edge
                todo.append(edge.target)
    return seen


def _path_to(seen: Mapping[str, Edge | None], target: str) -> list[str]:
    out: list[str] = []
    edge = seen[target]
    while edge is not None:
        out.append(str(edge))
        edge = seen[edge.source]
    return out[::-1]


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Edge]]:
    built = build_graph()
    assert len(built) > 120  # the whole package was walked
    assert sum(len(e) for e in built.values()) > 300
    return built


def test_no_import_cycle_anywhere(graph: dict[str, list[Edge]]) -> None:
    assert _describe_cycles(graph) == ""


def test_generated_is_a_leaf(graph: dict[str, list[Edge]]) -> None:
    generated = [m for m in graph if m.startswith("cocalc_async._generated")]
    assert len(generated) > 10
    bad = [
        str(e)
        for m in generated
        for e in graph[m]
        if not e.target.startswith("cocalc_async._generated")
        and not any(e.target == a or e.target.startswith(a + ".") for a in GENERATED_MAY_IMPORT)
    ]
    assert bad == []


def test_runtime_never_reaches_the_code_built_on_it(graph: dict[str, list[Edge]]) -> None:
    seen = _closure(graph, "cocalc_async._runtime")
    assert "cocalc_async.errors" in seen  # the walk followed its (lazy) imports
    above = {"generated", "client", "jobs", "cli", "spec", "codegen"}
    bad = [" -> ".join(_path_to(seen, m)) for m in sorted(seen) if set(layer_of(m)) & above]
    assert bad == []


def test_every_library_module_has_one_layer(graph: dict[str, list[Edge]]) -> None:
    placed = {m: layer_of(m) for m in _library(graph)}
    bad = {m: layers for m, layers in placed.items() if len(layers) != 1}
    assert bad == {}, "place each module in exactly one of LAYERS in tests/test_import_graph.py"


def layer_violations(graph: Mapping[str, list[Edge]]) -> list[str]:
    rank = {name: i for i, (name, _) in enumerate(LAYERS)}
    bad = []
    for module, edges in _library(graph).items():
        mine = layer_of(module)
        for e in edges:
            theirs = layer_of(e.target)
            if mine and theirs and rank[theirs[0]] > rank[mine[0]]:
                bad.append(f"{e}  ({mine[0]} -> {theirs[0]})")
    return bad


def test_no_module_imports_a_higher_layer(graph: dict[str, list[Edge]]) -> None:
    assert layer_violations(graph) == []


def _edge(source: str, target: str) -> Edge:
    return Edge(source, target, "x.py", 1)


@pytest.mark.parametrize(
    ("source", "target", "bad"),
    [
        ("cocalc_async._runtime", "cocalc_async.polling", True),
        ("cocalc_async.polling", "cocalc_async.jobs.course", True),
        ("cocalc_async.errors", "cocalc_async._generated.policy", True),
        ("cocalc_async.client", "cocalc_async.spec", True),
        ("cocalc_async.jobs.course", "cocalc_async.client", False),
        ("cocalc_async.polling", "cocalc_async.client", False),  # same layer: the cycle test's
        ("cocalc_async._generated.v1", "cocalc_async._runtime", False),
    ],
)
def test_the_layer_check(source: str, target: str, bad: bool) -> None:
    assert bool(layer_violations({source: [_edge(source, target)]})) is bad


def test_the_library_never_imports_the_emulator() -> None:
    # Read with the checker above, which also counts `from cocalc_async import testing`.
    bad = []
    for name, path in all_modules().items():
        if name == ALLOWED or name.startswith(ALLOWED + ".") or name in STARTS_THE_EMULATOR:
            continue
        bad += [
            f"{path.relative_to(ROOT)}:{line}: imports {target}"
            for line, target in imported_modules(path)
            if target == ALLOWED or target.startswith(ALLOWED + ".")
        ]
    assert bad == []
    # the exceptions are real: each one does start the emulator
    for name in STARTS_THE_EMULATOR:
        path = all_modules()[name]
        assert any(t.startswith(ALLOWED) for _, t in imported_modules(path)), name


# --- the checkers themselves can fail ----------------------------------------------------------


@pytest.mark.parametrize(
    ("graph_", "expected"),
    [
        pytest.param({"a": ["b"], "b": ["a"]}, [["a", "b"]], id="two-module cycle"),
        pytest.param(
            {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}, [["a", "b", "c"]], id="ring"
        ),
        pytest.param({"a": ["a"]}, [["a"]], id="self-import"),
        pytest.param({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}, [], id="diamond"),
        pytest.param({"a": ["b"], "b": ["c"], "c": []}, [], id="chain"),
        pytest.param(
            {"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["c"]},
            [["a", "b"], ["c", "d"]],
            id="two cycles joined one way",
        ),
    ],
)
def test_the_cycle_finder(graph_: dict[str, list[str]], expected: list[list[str]]) -> None:
    assert cycles(graph_) == expected


def test_the_cycle_finder_handles_a_deep_chain() -> None:
    chain = {f"m{i}": [f"m{i + 1}"] for i in range(5000)}
    assert cycles(chain) == []
    chain["m5000"] = ["m0"]
    assert len(cycles(chain)[0]) == 5001


@pytest.mark.parametrize(
    ("source", "file", "expected"),
    [
        # a submodule named in `from pkg import sub` is the edge, not the package
        ("from . import _defaults", "cocalc_async/client.py", ["cocalc_async._defaults"]),
        ("from . import NOT_GIVEN", "cocalc_async/client.py", ["cocalc_async"]),
        ("from .models.copy import X", "cocalc_async/_runtime.py", ["cocalc_async.models.copy"]),
        ("from .. import errors", "cocalc_async/jobs/course.py", ["cocalc_async.errors"]),
        ("from ..client import Client", "cocalc_async/jobs/x.py", ["cocalc_async.client"]),
        ("import cocalc_async.polling", "cocalc_async/cli/x.py", ["cocalc_async.polling"]),
        (
            "from .course import CourseEvent",
            "cocalc_async/jobs/__init__.py",
            ["cocalc_async.jobs.course"],
        ),
        ("import aiohttp", "cocalc_async/client.py", []),
        # lazy and TYPE_CHECKING imports count
        (
            "def f():\n    from . import polling\nif TYPE_CHECKING:\n    from .client import Client",
            "cocalc_async/_runtime.py",
            ["cocalc_async.polling", "cocalc_async.client"],
        ),
    ],
)
def test_the_graph_reads_every_form(source: str, file: str, expected: list[str]) -> None:
    edges = graph_edges(ROOT / file, all_modules(), source)
    assert [e.target for e in edges] == expected


def test_a_cycle_is_reported_with_the_lines_that_form_it() -> None:
    modules = all_modules()
    fake = {
        "cocalc_async.polling": graph_edges(
            ROOT / "cocalc_async/polling.py", modules, "from .client import Client"
        ),
        "cocalc_async.client": graph_edges(
            ROOT / "cocalc_async/client.py", modules, "import os\nfrom .polling import poll"
        ),
    }
    text = _describe_cycles(fake)
    assert "cycle of 2: cocalc_async.client, cocalc_async.polling" in text
    assert "cocalc_async/client.py:2: cocalc_async.client imports cocalc_async.polling" in text
    assert "cocalc_async/polling.py:1: cocalc_async.polling imports cocalc_async.client" in text


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("cocalc_async", ["client"]),
        ("cocalc_async._generated.v2.projects", ["generated"]),
        ("cocalc_async.models.copy", ["models"]),
        ("cocalc_async.jobs.course", ["jobs"]),
        ("cocalc_async.nothing_like_it", []),
    ],
)
def test_layers_are_matched_by_name(module: str, expected: list[str]) -> None:
    assert layer_of(module) == expected


# --- endpoint names stay in the spec and the generated code ----------------------------------

#: Where an endpoint's name may be written: the spec, the generated code, the generator and the
#: emulator (which serves the endpoints).
NAMES_ENDPOINTS = ("cocalc_async._generated", "cocalc_async.spec", "cocalc_async.codegen", ALLOWED)


def raw_endpoint_calls(path: Path, source: str | None = None) -> list[str]:
    """``x.call("v2", "exec", ...)``-style calls with a literal API and endpoint name."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    out = []
    for node in ast.walk(ast.parse(source, str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "call"
            and len(node.args) >= 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])
        ):
            api, name = (a.value for a in node.args[:2] if isinstance(a, ast.Constant))
            out.append(f"{path.relative_to(ROOT)}:{node.lineno}: call({api!r}, {name!r})")
    return out


def test_hand_written_code_calls_endpoints_through_their_coroutines() -> None:
    bad = [
        hit
        for name, path in all_modules().items()
        if not any(name == p or name.startswith(p + ".") for p in NAMES_ENDPOINTS)
        for hit in raw_endpoint_calls(path)
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ('await client.call("v2", "exec", {"project_id": p})', 1),
        ('await self._client.call("conat/project", "system.signal", body, idempotent=True)', 1),
        ("await client.call(args.api, args.path, params)", 0),  # a user-given endpoint
        ('"""client.call("v2", "exec") in a docstring"""', 0),
    ],
)
def test_the_endpoint_name_check(source: str, hits: int) -> None:
    assert len(raw_endpoint_calls(ROOT / "cocalc_async/x.py", source)) == hits


# --- and at run time -------------------------------------------------------------------------

#: Importing the first module must not load any module whose name starts with one of the others.
LOADS_NOTHING_ABOVE = [
    (
        "cocalc_async._runtime",
        ("cocalc_async._generated", "cocalc_async.polling", "cocalc_async.client"),
    ),
    ("cocalc_async._generated.v2", ("cocalc_async.client", "cocalc_async.polling")),
    ("cocalc_async.polling", ("cocalc_async.client", "cocalc_async.jobs")),
    ("cocalc_async.doctor", ("cocalc_async.client",)),
    ("cocalc_async.embed", ("cocalc_async.client",)),
    ("cocalc_async.client", ("cocalc_async.testing", "cocalc_async.jobs", "cocalc_async.spec")),
]


@pytest.mark.parametrize(("module", "forbidden"), LOADS_NOTHING_ABOVE)
def test_importing_a_module_loads_nothing_above_it(module: str, forbidden: tuple[str, ...]) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print('\\n'.join(m for m in sys.modules if m.startswith({forbidden!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split() == []
