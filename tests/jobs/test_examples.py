"""Every example runs standalone (each starts its own emulator) and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = {
    "get_account_id.py": ([], "account_id: "),
    "copy_and_wait.py": ([], "copy succeeded"),
    "project_exec.py": ([], "exit code with err_on_exit=False: 3"),
    "async_exec_job.py": ([], "job completed stdout: finished"),
    "latex_compile.py": ([], "latex:"),
    "course_provisioning.py": ([], "2 of 2 students ready"),
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
