"""Every example runs standalone (each starts its own emulator, today's era: no v1) and prints
what it promises; none of them uses the removed v1 API except the embed example, whose kiosk
session needs v1 ``user_auth``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = {
    "get_account_id.py": ([], "system.test says: "),
    "copy_and_wait.py": ([], "target has: hi"),
    "project_exec.py": ([], "exit code with err_on_exit=False: 3"),
    "async_exec_job.py": ([], "job completed stdout: finished\ncancelled: True"),
    "latex_compile.py": ([], "latex:"),
    "course_provisioning.py": ([], "2 of 2 students ok"),
    "web_backend.py": ([], "200 of 200 concurrent requests answered"),
    # 10,000 by default; 1,000 keeps the suite quick and still runs through client.map
    "high_concurrency.py": (["1000"], "1000 ok, 0 failed"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs(name: str) -> None:
    args, expected = CASES[name]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCALC_")}
    done = subprocess.run(
        [sys.executable, name, *args],
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_examples_use_todays_api_only(name: str) -> None:
    text = (EXAMPLES / name).read_text()
    assert "client.v1" not in text
    assert ".v1." not in text
    assert "v1=True" not in (EXAMPLES / "_env.py").read_text()
