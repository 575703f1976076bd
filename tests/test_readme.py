"""The README's examples run as written (so the front page never drifts from the API), and the
main one uses only what a current hub serves."""

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


async def test_the_main_example_runs_on_todays_emulator_without_v1() -> None:
    from cocalc_async.testing import Emulator

    code = _block_after("## Using it")
    assert "client.v1" not in code
    assert "asyncio.run(main())" in code
    async with Emulator() as emu:
        pid, student_pid = emu.create_project(title="course"), emu.create_project(title="s")
        aid, _ = emu.create_account(email_address="student@example.org")
        (emu.project_dir(pid) / "hw1").mkdir()
        (emu.project_dir(pid) / "hw1" / "a.txt").write_text("task 1\n")
        (emu.project_dir(pid) / "grade.sh").write_text("echo graded\n")
        source = code.replace("asyncio.run(main())", "").replace(
            'Client(api_key="sk_...", base_url="https://cocalc.com")',
            "Client(api_key=KEY, base_url=URL)",
        )
        # every local the example made, for the checks below
        source = source.replace(
            "        data = await client.call(",
            "        seen.update(locals())\n        data = await client.call(",
        )
        seen: dict[str, Any] = {}
        namespace: dict[str, Any] = {
            "KEY": emu.api_key, "URL": emu.url, "pid": pid, "student_pid": student_pid,
            "aid": aid, "seen": seen,
        }  # fmt: skip
        exec(compile(source, str(README), "exec"), namespace)
        await namespace["main"]()
        assert (emu.project_dir(student_pid) / "hw1" / "a.txt").read_text() == "task 1\n"
    assert seen["result"].stdout == "graded\n"
    assert seen["text"] == "task 1\n"
    assert seen["me"]["account_id"] == emu.account_id
    assert seen["report"].ok, seen["report"].render()
