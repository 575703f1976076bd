"""The emulator stands on its own: nothing under ``cocalc_async/testing/`` imports the SDK.

If the emulator read the SDK's spec, models or error classes, the two would agree by
construction and every SDK-against-emulator test would prove nothing about CoCalc. Imports are
read with ``ast`` (so lazy imports inside functions and ``TYPE_CHECKING`` blocks count too), and
relative imports are resolved against the importing module's package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTING = ROOT / "cocalc_async" / "testing"
ALLOWED = "cocalc_async.testing"


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
