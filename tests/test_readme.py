"""The README's emulator example runs as written (so the front page never drifts from the API)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"


def _block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python block after {heading!r}"
    return match.group(1)


async def test_the_emulator_example_runs() -> None:
    code = _block_after("## The emulator")
    imports = "\n".join(line for line in code.splitlines() if line.startswith("from "))
    body = "\n".join(line for line in code.splitlines() if not line.startswith("from "))
    # count the pings inside the `async with` block, while the emulator still runs
    body += (
        '\n    pings = sum(r.body.get("name") == "system.ping"'
        ' for r in emu.requests.for_endpoint("conat/hub"))\nreturn pings'
    )
    source = f"{imports}\n\nasync def example():\n{textwrap.indent(body, '    ')}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, str(README), "exec"), namespace)
    pings = await namespace["example"]()
    # the two scripted 503s were retried by the client: three pings reached the server
    assert pings == 3


def test_the_quick_start_names_scripts_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    for script in ("scripts/demo", "scripts/check"):
        assert script in text
        assert (README.parent / script).is_file()
