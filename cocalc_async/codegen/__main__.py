"""``python -m cocalc_async.codegen [--check] [--out DIR]``: write (or verify) ``_generated/``."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .generate import render_all

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "_generated"


def write(out: Path) -> None:
    """Replace the generated files under ``out`` with fresh ones."""
    files = render_all()
    for old in sorted(out.rglob("*.py")) if out.exists() else []:
        if str(old.relative_to(out)) not in files:
            old.unlink()
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def check(out: Path) -> list[str]:
    """A unified diff between what the spec generates and what ``out`` holds (empty: up to date)."""
    files = render_all()
    diff: list[str] = []
    present = {str(p.relative_to(out)) for p in out.rglob("*.py")} if out.exists() else set()
    for rel in sorted(set(files) | present):
        old = (out / rel).read_text(encoding="utf-8") if rel in present else ""
        new = files.get(rel, "")
        if old != new:
            diff += difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}"
            )
    return diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cocalc_async.codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if _generated/ is stale")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target directory")
    args = parser.parse_args(argv)
    if args.check:
        diff = check(args.out)
        sys.stdout.writelines(diff[:400])
        if diff:
            print(
                "\n_generated/ is out of date: run python -m cocalc_async.codegen", file=sys.stderr
            )
            return 1
        return 0
    write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
