"""One-off helper: pull the ``==> {...}`` example responses out of the v1 seed reference.

Usage: python scripts/generate_spec_examples.py SEED_004 (prints JSON: event -> [example]).
Its output was pasted into ``cocalc_async/spec/v1.py`` and then curated by hand.
"""

from __future__ import annotations

import json
import re
import sys


def extract(text: str) -> dict[str, list[str]]:
    """Map each ``/api/v1/<event>`` section to the JSON texts following ``==>`` in it."""
    out: dict[str, list[str]] = {}
    sections = re.split(r"^\s{4}/api/v1/(\w+)\s*$", text, flags=re.M)
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        for m in re.finditer(r"==>\s*", body):
            start = m.end()
            if start >= len(body) or body[start] not in "{[":
                continue
            depth, i, in_str, esc = 0, start, False, False
            while i < len(body):
                c = body[i]
                if in_str:
                    esc = not esc and c == "\\"
                    if c == '"' and not esc:
                        in_str = False
                elif c == '"':
                    in_str = True
                elif c in "{[":
                    depth += 1
                elif c in "}]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            raw = body[start : i + 1]
            try:
                out.setdefault(name, []).append(json.dumps(json.loads(raw)))
            except json.JSONDecodeError:
                out.setdefault(name, []).append("UNPARSED " + " ".join(raw.split()))
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(extract(f.read()), indent=1))
