"""The template renderer: deterministic, ruff-clean, one endpoint's change stays in its lines."""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

import attrs
import pytest

from cocalc_async.codegen import generate, render
from cocalc_async.spec import ENDPOINTS, Param

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cocalc_async"
GENERATED = PACKAGE / "_generated"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return generate.render_all()


def test_every_layout_line_comes_from_a_template() -> None:
    names = sorted(p.name for p in render.TEMPLATES.glob("*.j2"))
    assert "method.py.j2" in names
    assert "namespace.py.j2" in names
    # Each template is used: an unused one would be layout nobody reads.
    sources = (PACKAGE / "codegen" / "generate.py").read_text() + (
        PACKAGE / "codegen" / "render.py"
    ).read_text()
    templates = "".join(p.read_text() for p in render.TEMPLATES.glob("*.j2"))
    for name in names:
        assert f'"{name}"' in sources + templates, name


def test_rendering_is_deterministic(rendered: dict[str, str]) -> None:
    assert generate.render_all() == rendered
    assert list(rendered) == sorted(rendered)


def test_the_output_is_what_ruff_format_writes(rendered: dict[str, str]) -> None:
    assert render.ruff_format(rendered) == rendered
    for rel, text in rendered.items():
        ast.parse(text, rel)  # and it is Python


def test_the_spec_hash_is_written_in_the_manifest_only(rendered: dict[str, str]) -> None:
    digest = generate.spec_hash()
    assert [rel for rel, text in rendered.items() if digest in text] == ["__init__.py"]


def _changed_lines(before: str, after: str) -> list[int]:
    """1-based numbers of the lines of ``after`` that are new or changed."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), False)
    return [
        n + 1
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
        for n in range(j1, j2)
    ]


def _spans(source: str, names: set[str]) -> set[int]:
    """The line numbers of the class-level statements that define ``names``."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        defined = None
        if isinstance(node, ast.AsyncFunctionDef):
            defined = node.name
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            defined = node.targets[0].id
        if defined in names and isinstance(node, ast.stmt):
            lines |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def test_a_new_parameter_of_one_endpoint_changes_only_its_lines(
    monkeypatch: pytest.MonkeyPatch, rendered: dict[str, str]
) -> None:
    index = next(i for i, e in enumerate(ENDPOINTS) if e.key == ("v2", "projects/touch"))
    endpoint = ENDPOINTS[index]
    extra = Param("reason", "string", doc="why it was touched")
    changed = attrs.evolve(endpoint, params=(*endpoint.params, extra))
    monkeypatch.setattr(
        generate, "ENDPOINTS", (*ENDPOINTS[:index], changed, *ENDPOINTS[index + 1 :])
    )
    after = generate.render_all()
    assert {rel for rel in rendered if rendered[rel] != after[rel]} == {
        "__init__.py",
        "v2/projects.py",
    }
    lines = _changed_lines(rendered["v2/projects.py"], after["v2/projects.py"])
    text = after["v2/projects.py"].splitlines()
    new = [text[n - 1].strip() for n in lines]
    # The signature, the docstring, the check and the body ...
    assert "reason: str | NotGiven | None = NOT_GIVEN," in new
    assert '"reason": reason,' in new
    assert any(line.startswith("reason: why it was touched") for line in new)
    # ... and nothing outside this coroutine and its checker.
    assert set(lines) <= _spans(after["v2/projects.py"], {"touch", "_check_touch"})


def test_no_generated_file_is_a_copy_of_hand_written_code(rendered: dict[str, str]) -> None:
    hand_written = {
        p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if GENERATED not in p.parents
    }
    assert len(hand_written) > 50
    assert [rel for rel, text in rendered.items() if text in hand_written] == []


ALLOWED = ("cocalc_async._types", "cocalc_async._runtime", "cocalc_async.models")


def _imports(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else []
                found |= {target, *names} if names else {target}
            else:
                found.add(node.module or "")
    return {n for n in found if n.startswith("cocalc_async")}


def test_generated_code_imports_only_types_runtime_and_models() -> None:
    files = sorted(GENERATED.rglob("*.py"))
    assert len(files) >= 20
    bad = {}
    for path in files:
        outside = {
            name
            for name in _imports(path)
            if not name.startswith("cocalc_async._generated")
            and not any(name == a or name.startswith(a + ".") for a in ALLOWED)
            # `from ... import _runtime` names the package itself first
            and name != "cocalc_async"
        }
        if outside:
            bad[str(path.relative_to(ROOT))] = sorted(outside)
    assert bad == {}


def test_deprecation_is_rendered_from_the_spec() -> None:
    from cocalc_async._generated.v1 import V1

    v1 = [e for e in ENDPOINTS if e.api == "v1"]
    assert {e.status for e in v1} == {"legacy", "removed-from-http"}
    for e in v1:
        doc = getattr(V1, e.path).__doc__ or ""
        if e.status == "legacy":
            assert f"instead use {e.replacement}" in doc, e.path
        else:
            assert f"Removed from CoCalc's HTTP API on {e.removed_date}" in doc, e.path
    # Nothing outside v1 is legacy or removed.
    assert {e.status for e in ENDPOINTS if e.api != "v1"} == {"current"}


def test_a_long_call_waits_past_the_servers_own_limit() -> None:
    from cocalc_async._runtime import TIMEOUT_MARGIN_S

    for e in ENDPOINTS:
        if e.max_timeout is not None:
            # The HTTP wait outlasts the server's ceiling, so the server's answer arrives first.
            assert e.default_timeout is not None, e.key
            assert e.default_timeout > e.max_timeout, e.key
        if e.timeout_param is not None:
            assert e.param(e.timeout_param) is not None, e.key
    from cocalc_async._generated.v2 import V2

    doc = V2.exec.__doc__ or ""
    assert f"at least ``exec_timeout`` + {TIMEOUT_MARGIN_S:g} s when given" in doc
    assert "(90 s here" in doc


def test_the_formatter_settings_are_the_repositorys() -> None:
    import re

    # [tool.ruff]'s own lines (tomllib is 3.11+, and this section is two plain keys).
    text = (ROOT / "pyproject.toml").read_text().split("[tool.ruff]", 1)[1].split("\n[", 1)[0]
    ruff = dict(re.findall(r'^([\w-]+) = "?([^"\n]+)"?$', text, re.MULTILINE))
    args = render.RUFF_ARGS
    assert "--isolated" in args  # a machine's own ruff configuration cannot change the output
    assert args[args.index("--line-length") + 1] == ruff["line-length"]
    assert args[args.index("--target-version") + 1] == ruff["target-version"]
