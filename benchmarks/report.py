"""Turn the harness's results dict into Markdown (pure: no I/O, tested in tests/benchmarks)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from benchmarks.stats import fmt_int, fmt_ratio, fmt_seconds, median, paired_ratios, spread

CLIENT_LABELS = {
    "sdk-call": "cocalc_async `client.call`",
    "sdk-gen": "cocalc_async generated coroutine",
    "aiohttp-sem": "raw aiohttp + FIFO Semaphore(100) (ceiling)",
    "aiohttp": "raw aiohttp, plain",
    "httpx": "httpx.AsyncClient (defaults)",
    "official-seq": "official cocalc-api, sequential",
    "official-pool32": "official cocalc-api, 32 threads",
}
ENDPOINT_LABELS = {
    "ping": "`POST /api/v1/ping` (legacy v1; ~90 B reply)",
    "v2": "`POST /api/v2/projects/get` (a bare array of 7 projects, ~1 KB)",
    "conat": '`POST /api/conat/hub` `system.ping` (`{"now": ms}`; official client: `hub.system.ping()`)',
}
#: The goal (issue 16): the SDK keeps >= 95 % of raw aiohttp's req/s, with p99 <= 1.2x raw's.
GOAL_RPS_RATIO = 0.95
GOAL_P99_RATIO = 1.2
GOAL_CS = (100, 1000)
SDK_CLIENTS = {"sdk-call": "`client.call`", "sdk-gen": "generated"}


def _med(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return median(values) if values else None


def group_runs(runs: list[dict[str, Any]]) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    """(endpoint, client, C) -> its runs, leaving out skipped ones."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        if run.get("skipped"):
            continue
        groups[(run["endpoint"], run["client"], run["c"])].append(run)
    return groups


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per configuration: medians over its runs, with the req/s spread."""
    rows = []
    for (endpoint, client, c), group in sorted(group_runs(runs).items()):
        rps = [r.get("rps", 0.0) for r in group]
        med, lo, hi = spread(rps)
        errors = sum(sum(r.get("errors", {}).values()) for r in group)
        rows.append(
            {
                "endpoint": endpoint,
                "client": client,
                "c": c,
                "runs": len(group),
                "rps_median": med,
                "rps_min": lo,
                "rps_max": hi,
                "p50_s": _med(group, "p50_s"),
                "p99_s": _med(group, "p99_s"),
                "rss_peak_mb": _med(group, "rss_peak_mb"),
                "cpu_us_per_req": _med(group, "cpu_us_per_req"),
                "gc_us_per_req": _med(group, "gc_us_per_req"),
                "cpu_sys_us_per_req": _med(group, "cpu_sys_us_per_req"),
                "server_cpu_pct": _med(group, "server_cpu_pct"),
                "sockets_peak": max((r.get("sockets_peak") or 0) for r in group),
                "errors": errors,
                "ok": sum(r.get("ok", 0) for r in group),
                "n": sum(r.get("n", 0) for r in group),
                "deadline_hit": any(r.get("deadline_hit") for r in group),
            }
        )
    return rows


def ratios(
    runs: list[dict[str, Any]], a: str, b: str, key: str
) -> dict[tuple[str, int], list[float]]:
    """Per-round paired ratios a/b of ``key`` for every (endpoint, C) both clients ran."""
    by_round: dict[tuple[str, str, int], dict[int, float]] = defaultdict(dict)
    for run in runs:
        if run.get("skipped") or run.get(key) is None:
            continue
        by_round[(run["endpoint"], run["client"], run["c"])][run.get("round", 0)] = run[key]
    out: dict[tuple[str, int], list[float]] = {}
    for endpoint, client, c in list(by_round):
        if client != a or (endpoint, b, c) not in by_round:
            continue
        xa, xb = by_round[(endpoint, a, c)], by_round[(endpoint, b, c)]
        common = sorted(set(xa) & set(xb))
        out[(endpoint, c)] = paired_ratios([xa[r] for r in common], [xb[r] for r in common])
    return out


def _cell(row: dict[str, Any]) -> str:
    mark = "†" if row["deadline_hit"] else ""
    err = f" · **{row['errors']} err**" if row["errors"] else ""
    return (
        f"{fmt_int(row['rps_median'])}{mark} ({fmt_int(row['rps_min'])}–{fmt_int(row['rps_max'])})"
        f" · {fmt_seconds(row['p50_s'])} · {fmt_seconds(row['p99_s'])}"
        f" · {fmt_int(row['rss_peak_mb'])} MB{err}"
    )


def goal_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per goal cell and SDK path: the paired ratios to raw aiohttp + semaphore and the verdicts."""
    rps = {a: ratios(runs, a, "aiohttp-sem", "rps") for a in SDK_CLIENTS}
    p99 = {a: ratios(runs, a, "aiohttp-sem", "p99_s") for a in SDK_CLIENTS}
    cpu = {a: ratios(runs, a, "aiohttp-sem", "cpu_us_per_req") for a in SDK_CLIENTS}
    ucpu = {a: ratios(runs, a, "aiohttp-sem", "cpu_user_us_per_req") for a in SDK_CLIENTS}
    rows = []
    for endpoint in ENDPOINT_LABELS:
        for c in GOAL_CS:
            for client in SDK_CLIENTS:
                r = rps[client].get((endpoint, c), [])
                if not r:
                    continue
                p = p99[client].get((endpoint, c), [])
                u = cpu[client].get((endpoint, c), [])
                uu = ucpu[client].get((endpoint, c), [])
                rows.append(
                    {
                        "endpoint": endpoint,
                        "c": c,
                        "client": client,
                        "rounds": len(r),
                        "rps": r,
                        "p99": p,
                        "cpu": u,
                        "user_cpu": uu,
                        "rps_met": median(r) >= GOAL_RPS_RATIO,
                        "p99_met": bool(p) and median(p) <= GOAL_P99_RATIO,
                    }
                )
    return rows


def _verdict(met: bool, ratios_: list[float], goal: float, higher_is_better: bool) -> str:
    if not ratios_:
        return "–"
    share = sum((x >= goal) if higher_is_better else (x <= goal) for x in ratios_)
    return f"{'met' if met else '**not met**'} ({share}/{len(ratios_)} rounds)"


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    w = out.append
    m = results.get("machine", {})
    w(f"# cocalc_async benchmarks ({results.get('mode')} mode)\n")
    w(f"- Command: `{results.get('command')}`; {m.get('date')}; git `{m.get('git_revision')}`"
      + (" (uncommitted changes)" if m.get("git_dirty") else ""))  # fmt: skip
    w(f"- Machine: {m.get('cores')} cores ({m.get('cpu_model')}), kernel {m.get('kernel')}, "
      f"Python {m.get('python')}, aiohttp {m.get('aiohttp')}, httpx {m.get('httpx')}, "
      f"official cocalc-api/httpx {m.get('official_client') or 'absent'}")  # fmt: skip
    pinned = "server on core 0, each client on core 1 (taskset)" if m.get("pinned") else "unpinned"
    w(f"- Placement: {pinned}; each configuration in its own process; the clients of one "
      "(endpoint, C) cell run in paired rounds, back to back, in alternating order.")  # fmt: skip
    windows = sorted({(r.get("warmup_s"), r.get("duration_s")) for r in results.get("runs", [])
                      if r.get("duration_s")})  # fmt: skip
    if windows:
        w("- Windows (warm-up discarded + measured, s): "
          + ", ".join(f"{wu:g} + {du:g}" for wu, du in windows))  # fmt: skip
    if m.get("loadavg"):
        w(f"- Load average at start: {', '.join(f'{x:.2f}' for x in m['loadavg'])}")
    loads = [r["loadavg_1m"] for r in results.get("runs", []) if r.get("loadavg_1m") is not None]
    if loads:
        # This harness itself keeps about one core busy, so ~1 is the floor of a quiet machine.
        w(f"- 1-minute load average before each client run: median {median(loads):.2f}, "
          f"max {max(loads):.2f} (the harness alone keeps it near 1)")  # fmt: skip
    if "elapsed_s" in results:
        w(f"- Elapsed: {results['elapsed_s']:.0f} s")
    if results.get("official_note"):
        w(f"- Note: {results['official_note']}")
    w("")

    cap = results.get("capacity", {})
    w("## Server capacity (fixed-response `asyncio.Protocol` server, one core)\n")
    if cap.get("skipped"):
        w(f"Skipped: {cap['skipped']}\n")
    else:
        w(f"{cap.get('tool')}, {cap.get('seconds')} s per probe, on the client core.\n")
        w("| path | connections | req/s | server CPU % | non-2xx |")
        w("|---|---:|---:|---:|---:|")
        for pr in cap.get("probes", []):
            w(f"| `{pr['path']}` | {pr['connections']} | {fmt_int(pr['rps'])} | "
              f"{pr['server_cpu_pct']:.0f} | {pr['non_2xx']} |")  # fmt: skip
        w("")

    runs = results.get("runs", [])
    goals = goal_rows(runs)
    if goals:
        w("## The goal cells: SDK / raw aiohttp + FIFO semaphore, paired rounds\n")
        w(f"Goal: req/s ratio ≥ {GOAL_RPS_RATIO} and p99 ratio ≤ {GOAL_P99_RATIO} at C=100 and "
          "C=1000. Each round runs raw and SDK back to back (same workers, semaphore, pool, "
          "pinned core); the figure is the median of the per-round ratios, (min–max) over the "
          "rounds. The CPU ratios are client CPU µs per request, SDK / raw, all of it and its "
          "user-space part (the kernel's part follows how the event loop happened to batch the "
          "socket work): where the client is CPU-bound their inverse estimates the throughput "
          "ratio.\n")  # fmt: skip
        w("| endpoint | C | SDK path | rounds | req/s ratio | verdict | p99 ratio | verdict "
          "| CPU/request ratio | user CPU/request ratio |")  # fmt: skip
        w("|---|---:|---|---:|---:|---|---:|---|---:|---:|")
        for g in goals:
            w(f"| {g['endpoint']} | {g['c']} | {SDK_CLIENTS[g['client']]} | {g['rounds']} | "
              f"{fmt_ratio(g['rps'])} | {_verdict(g['rps_met'], g['rps'], GOAL_RPS_RATIO, True)} | "
              f"{fmt_ratio(g['p99'])} | {_verdict(g['p99_met'], g['p99'], GOAL_P99_RATIO, False)} | "
              f"{fmt_ratio(g['cpu'])} | {fmt_ratio(g['user_cpu'])} |")  # fmt: skip
        w("")
    rows = summarize(runs)
    for endpoint in ENDPOINT_LABELS:
        sub = [r for r in rows if r["endpoint"] == endpoint]
        if not sub:
            continue
        cs = sorted({r["c"] for r in sub})
        w(f"## Throughput and latency: {ENDPOINT_LABELS[endpoint]}\n")
        w("Cell: req/s median (min–max) · p50 · p99 · peak RSS. † = deadline hit (rate of what "
          "finished; not repeated). Rates and latencies are those of the measured window (the "
          "warm-up is discarded); latency runs from the call to the parsed JSON (or model), "
          "queueing included.\n")  # fmt: skip
        w("| client | " + " | ".join(f"C={c}" for c in cs) + " | runs |")
        w("|---|" + "---:|" * len(cs) + "---:|")
        clients = [c for c in CLIENT_LABELS if any(r["client"] == c for r in sub)]
        for client in clients:
            cells = []
            nruns = []
            for c in cs:
                row = next((r for r in sub if r["client"] == client and r["c"] == c), None)
                cells.append(_cell(row) if row else "")
                if row:
                    nruns.append(str(row["runs"]))
            w(f"| {CLIENT_LABELS[client]} | " + " | ".join(cells) + f" | {'/'.join(nruns)} |")
        w("")
        w("Client CPU µs per request (median), of which in the cyclic GC and in the kernel, and "
          "server CPU % (the server is not the bottleneck while it stays well under 100 %):\n")  # fmt: skip
        w("| client | " + " | ".join(f"C={c}" for c in cs) + " |")
        w("|---|" + "---:|" * len(cs))
        for client in clients:
            cells = []
            for c in cs:
                row = next((r for r in sub if r["client"] == client and r["c"] == c), None)
                if row and row["cpu_us_per_req"] is not None:
                    srv = row["server_cpu_pct"]
                    gc_us = row.get("gc_us_per_req")
                    sys_us = row.get("cpu_sys_us_per_req")
                    parts = [f"GC {gc_us:.0f}" if gc_us is not None else "",
                             f"kernel {sys_us:.0f}" if sys_us is not None else ""]  # fmt: skip
                    detail = ", ".join(p for p in parts if p)
                    detail = f" ({detail})" if detail else ""
                    cells.append(f"{row['cpu_us_per_req']:.0f} µs{detail} · srv {srv:.0f} %")
                else:
                    cells.append("")
            w(f"| {CLIENT_LABELS[client]} | " + " | ".join(cells) + " |")
        w("")

    w("## SDK vs raw aiohttp, every cell: paired ratios per round, median (min–max)\n")
    w("The ceiling is raw aiohttp with the same FIFO semaphore; plain aiohttp starves callers "
      "above C=100 (its p99). Client CPU per request is the figure least disturbed by other "
      "load on the machine.\n")  # fmt: skip
    pairs = [
        ("sdk-call", "aiohttp-sem", "rps", "call/raw+sem req/s"),
        ("sdk-call", "aiohttp-sem", "p99_s", "call/raw+sem p99"),
        ("sdk-gen", "aiohttp-sem", "rps", "generated/raw+sem req/s"),
        ("sdk-gen", "aiohttp-sem", "p99_s", "generated/raw+sem p99"),
        ("sdk-call", "aiohttp-sem", "cpu_us_per_req", "call/raw+sem CPU µs per request"),
        ("sdk-gen", "aiohttp-sem", "cpu_us_per_req", "generated/raw+sem CPU µs per request"),
        ("sdk-call", "aiohttp", "rps", "call/raw plain req/s"),
        ("sdk-call", "aiohttp", "p99_s", "call/raw plain p99"),
        ("sdk-call", "httpx", "rps", "call/httpx req/s"),
    ]
    table: list[tuple[str, str, dict[tuple[str, int], list[float]]]] = []
    keys: set[tuple[str, int]] = set()
    for a, b, key, label in pairs:
        got = ratios(runs, a, b, key)
        if got:
            table.append((label, a, got))
            keys |= set(got)
    if table:
        cols = sorted(keys)
        w("| ratio | " + " | ".join(f"{e} C={c}" for e, c in cols) + " |")
        w("|---|" + "---:|" * len(cols))
        for label, _, got in table:
            w(f"| {label} | " + " | ".join(fmt_ratio(got.get(k, [])) for k in cols) + " |")
        w("")
    else:
        w("No paired runs (the SDK is absent or was skipped).\n")

    if results.get("burst"):
        _render_burst(results, w)
    _render_rest(results, w)
    return "\n".join(out)


def _render_burst(results: dict[str, Any], w: Any) -> None:
    w("## 10,000 concurrent calls through one Client\n")
    w(
        "| mode | calls | ok | errors | wall | req/s | peak sockets (limit) | RSS start → peak (growth) |"
    )
    w("|---|---:|---:|---|---:|---:|---:|---:|")
    for b in results.get("burst", []):
        if b.get("skipped") or b.get("error"):
            w(f"| {b.get('mode')} | | | {b.get('skipped') or b.get('error')} | | | | |")
            continue
        w(f"| {b['mode']} | {b['calls']:,} | {b['ok']:,} | {b['errors'] or 0} | "
          f"{fmt_seconds(b['wall_s'])} | {fmt_int(b['rps'])} | {b['sockets_peak']} "
          f"({b['limit']}) | {b['rss_start_mb']:.0f} → {b['rss_peak_mb']:.0f} MB "
          f"({b['rss_growth_mb']:+.0f} MB) |")  # fmt: skip
    w("")


def _render_rest(results: dict[str, Any], w: Any) -> None:
    if results.get("overhead"):
        w("## SDK overhead per call (stub transport, µs of CPU)\n")
    for ov in results.get("overhead", []):
        if ov.get("error"):
            w(f"Error: {ov['error']}\n")
            continue
        w("Overhead = SDK − the raw code a user writes around the same stub (encode, post, read, "
          f"decode); median of {ov.get('reps')} interleaved repetitions of "
          f"{ov.get('calls_per_rep'):,} calls. Goal ≤ 10 µs.\n")  # fmt: skip
        w("| path | CPU µs/call | overhead µs median (min–max) |")
        w("|---|---:|---:|")
        for name, us in ov.get("cpu_us_per_call", {}).items():
            o = ov.get("overhead_us", {}).get(name)
            extra = f"{o['median_us']:.1f} ({o['min_us']:.1f}–{o['max_us']:.1f})" if o else "—"
            w(f"| {name} | {us:.1f} | {extra} |")
        if ov.get("sdk_gen_note"):
            w(f"\n{ov['sdk_gen_note']}")
        gen_layer = ov.get("generated_layer_us", {})
        if gen_layer:
            w("\nThe generated layer alone (generated coroutine − `client.call`, the same stub): "
              + ", ".join(f"{k} {v:.1f} µs" for k, v in gen_layer.items()) + ".")  # fmt: skip
        stage_table = ov.get("stages_us", {})
        if stage_table:
            names: list[str] = []
            for row in stage_table.values():
                names += [n for n in row if n not in names]
            eps = list(stage_table)
            w("\nEach stage alone, µs per call (`perf_counter_ns`, best of 3 loops):\n")
            w("| stage | " + " | ".join(eps) + " |")
            w("|---|" + "---:|" * len(eps))
            for n in names:
                cells = [f"{stage_table[e][n]:.2f}" if n in stage_table[e] else "" for e in eps]
                w(f"| {n} | " + " | ".join(cells) + " |")
            w("")
        elif ov.get("pieces_us"):
            w("\nPieces alone (µs/call): " + ", ".join(
                f"{k} {v:.2f}" for k, v in ov.get("pieces_us", {}).items()) + "\n")  # fmt: skip
        prof = ov.get("profile", {})
        for name, loop in prof.get("loops", {}).items():
            w(f"cProfile of `{name}` on the stub, own time per function (µs per call; the "
              f"profiler inflates every call, {loop['total_us']:.1f} µs in all; full list: "
              f"`benchmarks/out/{prof.get('text_file')}`):\n")  # fmt: skip
            w("| function | µs | calls |")
            w("|---|---:|---:|")
            for item in loop["top_self"][:10]:
                w(f"| `{item['function']}` | {item['us']:.2f} | {item['calls']:.0f} |")
            w("")

    imp = results.get("import")
    if imp:
        _render_import(imp, w)
    e2e = results.get("e2e")
    if e2e:
        _render_e2e(e2e, w)
    integ = results.get("server_integrity")
    if integ:
        w(f"Server-side check: the server answered {integ['server_answered']:,} requests; the "
          f"clients counted {integ['clients_ok']:,} verified successes.\n")  # fmt: skip


def _render_import(imp: dict[str, Any], w: Any) -> None:
    w("## Import time (median of fresh processes, import statement only)\n")
    if imp.get("error"):
        w(f"Error: {imp['error']}\n")
    else:
        w("| import | median ms (min–max) | ratio to `import aiohttp` |")
        w("|---|---:|---:|")
        for k, v in imp.get("median_ms", {}).items():
            w(f"| `{k}` | {v:.0f} ({imp['min_ms'][k]:.0f}–{imp['max_ms'][k]:.0f}) | "
              f"{imp['ratio_to_aiohttp'][k]:.2f} |")  # fmt: skip
        if "cli_help_median_ms" in imp:
            lo, hi = imp["cli_help_minmax_ms"]
            w(f"\n`cocalc-async --help` (whole process): {imp['cli_help_median_ms']:.0f} ms "
              f"({lo:.0f}–{hi:.0f}), {imp.get('reps')} runs.")  # fmt: skip
        if imp.get("cli_note"):
            w(f"\n{imp['cli_note']}")
        w("")


def _render_e2e(e2e: dict[str, Any], w: Any) -> None:
    w("## End to end against the emulator\n")
    if e2e.get("pending") or e2e.get("error"):
        w(
            f"{e2e.get('scenario', 'provision students')}: **{e2e.get('pending') or e2e.get('error')}**\n"
        )
    else:
        w(f"{e2e.get('scenario')}; a fresh emulator per runner.\n")
        w("| runner | students | failed | wall | students/s | HTTP calls per student |")
        w("|---|---:|---:|---:|---:|---:|")
        for r in e2e.get("runs", []):
            w(f"| {r['runner']} | {r['students']} | {r['failed']} | {fmt_seconds(r['wall_s'])} | "
              f"{r['students_per_s']:.2f} | {r['calls_per_student']:.1f} |")  # fmt: skip
        if "speedup_students_per_s" in e2e:
            w(f"\nBulk runner vs sequential loop: **{e2e['speedup_students_per_s']:.1f}×** "
              "students per second.\n")  # fmt: skip
