"""The Markdown report and the smoke verdict, from a synthetic results dict (no processes)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from benchmarks.drivers import BadResponse, check_body
from benchmarks.report import goal_rows, ratios, render, summarize
from benchmarks.run import GOAL_CLIENTS, Config, build_plan, narrow, schedule, smoke_failures


def run(client: str, c: int, rnd: int, rps: float, p99: float, errors: int = 0) -> dict[str, Any]:
    return {
        "client": client,
        "endpoint": "ping",
        "c": c,
        "n": 1000,
        "ok": 1000 - errors,
        "errors": {"X": errors} if errors else {},
        "rps": rps,
        "p50_s": p99 / 2,
        "p99_s": p99,
        "rss_peak_mb": 40.0,
        "cpu_us_per_req": 150.0,
        "server_cpu_pct": 10.0,
        "sockets_peak": 100,
        "round": rnd,
    }


RUNS = [
    run("sdk-call", 100, 0, 900.0, 0.03),
    run("aiohttp-sem", 100, 0, 1000.0, 0.025),
    run("sdk-call", 100, 1, 1900.0, 0.02),
    run("aiohttp-sem", 100, 1, 2000.0, 0.02),
    {"client": "sdk-gen", "endpoint": "ping", "c": 100, "skipped": "absent", "round": 0},
]


def test_ratios_are_paired_by_round() -> None:
    got = ratios(RUNS, "sdk-call", "aiohttp-sem", "rps")
    assert got == {("ping", 100): [0.9, 0.95]}


def test_summary_skips_skipped_runs() -> None:
    rows = summarize(RUNS)
    assert {(r["client"], r["runs"]) for r in rows} == {("sdk-call", 2), ("aiohttp-sem", 2)}
    sdk = next(r for r in rows if r["client"] == "sdk-call")
    assert sdk["rps_median"] == 1400.0
    assert (sdk["rps_min"], sdk["rps_max"]) == (900.0, 1900.0)


def test_render_contains_the_ratio_table() -> None:
    text = render({"mode": "quick", "machine": {"cores": 2}, "runs": RUNS})
    assert "0.93 (0.90–0.95)" in text
    assert "cocalc_async `client.call`" in text


def test_a_crashed_driver_is_reported_not_a_crash_of_the_report() -> None:
    # What run_driver returns when the driver process died (e.g. a library it imports is absent).
    crashed = {"client": "httpx", "endpoint": "ping", "c": 1, "n": 300, "ok": 0,
               "errors": {"DriverCrashed": 1}, "error_sample": ["ModuleNotFoundError"]}  # fmt: skip
    text = render({"mode": "quick", "machine": {"cores": 2}, "runs": [*RUNS, crashed]})
    assert "| 0 (0–0) · – · – · – MB · **1 err** |" in text
    assert len(smoke_failures({"runs": [*RUNS, crashed]})) == 1


def test_smoke_flags_any_failed_call() -> None:
    good: dict[str, Any] = {"runs": RUNS, "server_integrity": {}}
    assert smoke_failures(good) == []
    bad: dict[str, Any] = {"runs": [*RUNS, run("httpx", 1, 0, 10.0, 0.1, errors=1)]}
    assert len(smoke_failures(bad)) == 1


def test_check_body_rejects_wrong_answers() -> None:
    check_body("ping", {"event": "pong"})
    check_body("v2", [{}] * 7)
    for endpoint, data in [("ping", {"event": "error"}), ("v2", []), ("conat", [])]:
        try:
            check_body(endpoint, data)
        except BadResponse:
            continue
        raise AssertionError(f"{endpoint} accepted {data!r}")


def test_quick_plan_is_small_and_full_plan_pairs_seven_rounds() -> None:
    quick = build_plan(quick=True, have_official=False)
    assert all(cfg.reps <= 2 for cfg in quick.configs)
    assert not any(cfg.client == "httpx" and cfg.c >= 1000 for cfg in quick.configs)
    assert {cfg.endpoint for cfg in quick.configs} == {"ping", "v2", "conat"}
    full = build_plan(quick=False, have_official=True)
    sdk_ping = [cfg for cfg in full.configs if cfg.client == "sdk-call" and cfg.endpoint == "ping"]
    assert sorted(cfg.c for cfg in sdk_ping) == [1, 10, 100, 1000, 5000]
    # Every goal cell: raw + semaphore, call and generated, >= 7 rounds of a >= 2 s window.
    for endpoint in ("ping", "v2", "conat"):
        for c in (100, 1000):
            cell = [cfg for cfg in full.configs if cfg.cell == ("sdk-vs-raw", endpoint, c)]
            assert set(GOAL_CLIENTS) <= {cfg.client for cfg in cell}
            assert all(cfg.reps >= 7 and cfg.duration >= 2.0 and cfg.warmup > 0 for cfg in cell)


def test_schedule_keeps_a_cell_together_and_varies_its_order() -> None:
    a, b, c = (Config(x, "ping", 100, 0.1, 1.0, 7) for x in ("A", "B", "C"))
    other = Config("A", "v2", 100, 0.1, 1.0, 2)
    got = schedule([a, other, b, c])
    ping = [
        "".join(cfg.client for r, cfg in got if r == k and cfg.endpoint == "ping") for k in range(7)
    ]
    assert ping == ["ABC", "CBA", "BCA", "ACB", "CAB", "BAC", "ABC"]
    # Six rounds hold all six orders: each client in each position, after each other client.
    assert sorted(ping[:6]) == ["ABC", "ACB", "BAC", "BCA", "CAB", "CBA"]
    # The cell's rounds run back to back, then the next cell's.
    assert [cfg.endpoint for _, cfg in got] == ["ping"] * 21 + ["v2"] * 2


def test_goal_rows_give_a_verdict_per_cell() -> None:
    rows = goal_rows(RUNS)
    assert [(g["endpoint"], g["c"], g["client"]) for g in rows] == [("ping", 100, "sdk-call")]
    assert rows[0]["rps"] == [0.9, 0.95]
    assert rows[0]["rps_met"] is False  # median 0.925 < 0.95
    assert rows[0]["p99_met"] is True  # median of 1.2 and 1.0 is 1.1
    text = render({"mode": "quick", "machine": {"cores": 2}, "runs": RUNS})
    assert (
        "| ping | 100 | `client.call` | 2 | 0.93 (0.90–0.95) | **not met** (1/2 rounds) |" in text
    )


def test_smoke_flags_a_run_that_finished_nothing() -> None:
    empty = {**run("sdk-call", 100, 0, 0.0, 0.1), "ok": 0, "n": 0}
    assert len(smoke_failures({"runs": [empty]})) == 1


async def test_httpx_absent_is_a_skipped_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import drivers

    monkeypatch.setitem(sys.modules, "httpx", None)  # import httpx -> ImportError
    args = drivers.parse_args(
        ["--client", "httpx", "--base-url", "http://127.0.0.1:9", "--c", "1", "--duration", "1"]
    )  # fmt: skip
    rec = drivers.Recorder(args)
    await drivers.drive_httpx(rec)
    rec.sampler.stop()
    assert rec.skipped == "httpx not installed (pip install httpx)"
    assert rec.latencies == []
    assert not rec.errors


def test_goals_keeps_only_the_goal_cells_and_rounds_overrides_the_count() -> None:
    plan = narrow(build_plan(quick=False, have_official=True), goals=True, rounds=3)
    cells = {cfg.cell for cfg in plan.configs}
    assert cells == {("sdk-vs-raw", e, c) for e in ("ping", "v2", "conat") for c in (100, 1000)}
    assert {cfg.client for cfg in plan.configs} == set(GOAL_CLIENTS)
    assert {cfg.reps for cfg in plan.configs} == {3}
    assert plan.wrk_conns == ()
    assert plan.burst_modes == ()
    untouched = narrow(build_plan(quick=False, have_official=True), goals=False, rounds=None)
    assert any(cfg.client == "httpx" for cfg in untouched.configs)
