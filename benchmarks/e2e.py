"""End to end against the emulator: provisioning 200 students with 50 ms injected latency.

**Pending.** The scenario compares the bulk runner at concurrency 50 with a sequential loop; it
needs ``cocalc_async.testing.Emulator`` (with latency injection) and the bulk runner
(``client.map``), which other engineers are writing now. Until both exist this module reports
what is missing instead of a number. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any


def missing_parts() -> list[str]:
    missing = []
    try:
        testing = importlib.import_module("cocalc_async.testing")
        if not hasattr(testing, "Emulator"):
            missing.append("cocalc_async.testing.Emulator")
    except ImportError:
        missing.append("cocalc_async.testing")
    try:
        client_mod = importlib.import_module("cocalc_async.client")
        if not hasattr(client_mod.Client, "map"):
            missing.append("Client.map (bulk runner)")
    except ImportError:
        missing.append("cocalc_async.client")
    return missing


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--full", action="store_true")
    p.parse_args(argv)
    missing = missing_parts()
    result: dict[str, Any] = {"scenario": "provision 200 students, 50 ms latency"}
    result["pending"] = (
        "waiting for: " + ", ".join(missing)
        if missing
        else ("parts have landed; scenario not written yet")
    )
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
