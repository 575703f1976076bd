"""Import time of ``cocalc_async`` vs ``import aiohttp``, and ``cocalc-async --help``.

Each sample is a fresh interpreter (imports are cached per process), alternating the two
imports so CPU-speed drift hits both alike; the figure is the median of the samples. The import
is timed inside the child (``perf_counter`` around the import statement), so interpreter
start-up is excluded; the CLI is timed from outside, start-up included, as a user feels it.
Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.stats import median, paired_ratios

ROOT = Path(__file__).resolve().parent.parent
# ``Client`` is touched too: the package defers aiohttp until a name is used, and a user who
# imports the SDK uses the client, so the honest comparison includes that first attribute access.
TARGETS = {
    "aiohttp": "import aiohttp",
    "cocalc_async": "import cocalc_async",
    "cocalc_async.Client": "import cocalc_async; cocalc_async.Client",
}
CHILD = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def time_import(stmt: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(stmt=stmt)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def cli_command() -> list[str] | None:
    """The installed console script, else the entry point through ``-c``; None while absent."""
    exe = shutil.which("cocalc-async")
    if exe is not None:
        return [exe, "--help"]
    probe = subprocess.run(
        [sys.executable, "-c", "import cocalc_async.cli"], cwd=ROOT, capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        return None
    return [
        sys.executable,
        "-c",
        "import sys; sys.argv = ['cocalc-async', '--help']; "
        "from cocalc_async.cli import main; sys.exit(main())",
    ]


def measure(reps: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {k: [] for k in TARGETS}
    for _ in range(reps):
        for name, stmt in TARGETS.items():
            samples[name].append(time_import(stmt))
    result: dict[str, Any] = {
        "reps": reps,
        "median_ms": {k: median(v) * 1e3 for k, v in samples.items()},
        "min_ms": {k: min(v) * 1e3 for k, v in samples.items()},
        "max_ms": {k: max(v) * 1e3 for k, v in samples.items()},
        "ratio_to_aiohttp": {
            k: median(paired_ratios(v, samples["aiohttp"])) for k, v in samples.items()
        },
    }
    cmd = cli_command()
    if cmd is None:
        result["cli_note"] = "cocalc_async.cli absent: `cocalc-async --help` skipped"
    else:
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=60)
            times.append(time.perf_counter() - t)
            if proc.returncode != 0:
                tail = proc.stderr.decode().strip().splitlines()[-1:]
                result["cli_note"] = f"`cocalc-async --help` failed: {' '.join(tail)[:200]}"
                return result
        result["cli_help_median_ms"] = median(times) * 1e3
        result["cli_help_minmax_ms"] = [min(times) * 1e3, max(times) * 1e3]
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--reps", type=int, default=10)
    args = p.parse_args(argv)
    try:
        result = measure(args.reps)
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
