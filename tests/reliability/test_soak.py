"""A soak under faults: many calls through one Client, 5% of responses faulted at random (seeded).

``COCALC_SOAK_CALLS`` sets the number of calls (10,000 by default, the CI variant; the figures in
docs/reliability.md come from ``COCALC_SOAK_CALLS=100000``). Run with ``-s`` to see the summary.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import Client, Timeout, errors
from cocalc_async.testing import Emulator

CALLS = int(os.environ.get("COCALC_SOAK_CALLS", "10000"))
CONCURRENCY = 500
CONNECTION_LIMIT = 100
FAULT_RATE = 0.05
SEED = 20240607
#: Seconds for the whole soak: generous (2-core CI machines), but any hung call trips it.
DEADLINE = 30.0 + CALLS / 100
RSS_TOLERANCE = 25 * 2**20

BAD_WORDS = ("Unclosed", "Task was destroyed", "was never awaited", "Event loop is closed")


def rss_bytes() -> int:
    statm = Path("/proc/self/statm")
    if not statm.exists():  # pragma: no cover - Linux only
        return 0
    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def established_to(port: int) -> int:
    """Client sockets of this machine connected to ``port`` on loopback (``/proc/net/tcp``)."""
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_soak_under_random_faults() -> None:
    asyncio_log = logging.getLogger("asyncio")
    captured = Captured()
    asyncio_log.addHandler(captured)
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            summary = await _soak()
            gc.collect()
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
        asyncio_log.removeHandler(captured)
    print("\nsoak summary:", json.dumps(summary, indent=1))
    texts = [str(w.message) for w in caught] + captured.messages
    texts += [str(c.get("message")) for c in loop_errors]
    assert not [t for t in texts if any(word in t for word in BAD_WORDS)], texts
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not loop_errors
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    assert not others, f"tasks left pending: {others}"


async def _soak() -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    creates = {"calls": 0, "ok": 0}
    rss_first = rss_last = 0
    done = 0
    started = time.perf_counter()
    async with Emulator(request_log_size=1000, v1=True) as emu:
        port = int(emu.url.rsplit(":", 1)[1])
        pid = emu.create_project()
        emu.faults.random(FAULT_RATE, seed=SEED)
        timeout = Timeout(connect=5.0, read=5.0, total=15.0)
        client = Client(
            emu.api_key,
            base_url=emu.url,
            request_timeout=timeout,
            max_concurrency=CONCURRENCY,
            connection_limit=CONNECTION_LIMIT,
        )
        counter = iter(range(CALLS))

        async def worker() -> None:
            nonlocal done, rss_first, rss_last
            for i in counter:
                try:
                    if i % 20 == 0:  # 5% non-idempotent creates: never executed twice
                        creates["calls"] += 1
                        await client.call("v1", "create_project", {"title": "soak"})
                        creates["ok"] += 1
                    elif i % 5 == 0:
                        await client.call("v1", "copy_path_status", {"src_project_id": pid})
                    else:
                        await client.call("v1", "ping")
                    outcomes["ok"] += 1
                except errors.CoCalcError as exc:
                    outcomes[type(exc).__name__] += 1
                except BaseException as exc:  # anything else is a failure of the test
                    unexpected.append(exc)
                    raise
                done += 1
                if done == CALLS // 10:
                    gc.collect()
                    rss_first = rss_bytes()
                elif done == CALLS - CALLS // 10:
                    gc.collect()
                    rss_last = rss_bytes()

        async with client:
            workers = [asyncio.create_task(worker()) for _ in range(CONCURRENCY)]
            finished, pending = await asyncio.wait(workers, timeout=DEADLINE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            elapsed = time.perf_counter() - started
            assert not pending, f"the global deadline of {DEADLINE:.0f} s was missed"
            for task in finished:
                assert task.exception() is None
            sockets_after = established_to(port)
            assert client.session.in_flight == 0
        await asyncio.sleep(0.1)
        sockets_closed = established_to(port)
        projects = sum(1 for r in emu.store.projects_of(emu.account_id) if r["title"] == "soak")
        injected = dict(emu.faults.injected)
        attempts_seen = emu.requests.total
    assert not unexpected
    assert sum(outcomes.values()) == CALLS == done
    assert outcomes["ok"] >= CALLS * 0.95
    # A create that succeeded was executed; one that failed may have been; none twice.
    assert creates["ok"] <= projects <= creates["calls"]
    assert 0 < sockets_after <= CONNECTION_LIMIT
    assert sockets_closed == 0
    growth = rss_last - rss_first
    assert growth <= RSS_TOLERANCE, f"RSS grew {growth / 2**20:.1f} MiB over the soak"
    return {
        "calls": CALLS,
        "concurrency": CONCURRENCY,
        "seconds": round(elapsed, 1),
        "calls_per_second": round(CALLS / elapsed),
        "attempts_seen_by_server": attempts_seen,
        "faults_injected": sum(injected.values()),
        "faults_by_kind": injected,
        "outcomes": dict(outcomes),
        "creates": {**creates, "projects_created": projects},
        "sockets_open_after_soak": sockets_after,
        "sockets_open_after_close": sockets_closed,
        "rss_mib_at_10pct": round(rss_first / 2**20, 1),
        "rss_mib_at_90pct": round(rss_last / 2**20, 1),
    }
