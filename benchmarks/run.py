"""The benchmark harness: ``python -m benchmarks [--quick] [--smoke]`` (or ``python benchmarks/run.py``).

It starts the fixed-response loopback server (``benchmarks.server``) pinned to core 0, measures its
capacity with ``wrk`` when installed, then runs every client configuration in its own process
pinned to core 1. The configurations compared are grouped in cells (endpoint, C) and run in
**paired rounds**: round r of a cell runs each of its clients once, back to back, in alternating
order (A B C, C B A, ...), because this machine's CPU speed drifts up to 2x within a minute: only
ratios of runs taken side by side mean anything. Each run discards a warm-up and measures a fixed
window. Results go to ``benchmarks/out/results-<stamp>.{json,md}``.

``--smoke`` (implies ``--quick``) exits non-zero if any call failed: the CI check that the harness
works, not that a number is reached.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file (``python benchmarks/run.py``): make ``benchmarks`` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
OFFICIAL_VENV = OUT / "official-venv"
SERVER_CORE = "0"
CLIENT_CORE = "1"


@dataclass(frozen=True)
class Config:
    """One client configuration: ``warmup`` s discarded, then a ``duration`` s window, ``reps`` times."""

    client: str
    endpoint: str
    c: int
    warmup: float
    duration: float
    reps: int
    #: Configurations of one group and (endpoint, C) form a cell, whose runs are paired.
    group: str = "sdk-vs-raw"

    @property
    def key(self) -> str:
        return f"{self.endpoint}/{self.client}/C={self.c}"

    @property
    def cell(self) -> tuple[str, str, int]:
        return (self.group, self.endpoint, self.c)


@dataclass
class Plan:
    mode: str
    configs: list[Config] = field(default_factory=list)
    wrk_conns: tuple[int, ...] = ()
    wrk_seconds: int = 3
    burst_calls: int = 10_000
    overhead_calls: int = 20_000
    import_reps: int = 10
    burst_modes: tuple[str, ...] = ("gather", "map", "raw-gather")


#: The cells the goal is stated on, and the clients compared there: raw aiohttp with the SDK's
#: FIFO semaphore (the ceiling), ``client.call`` and the generated coroutine.
GOAL_ENDPOINTS = ("ping", "v2", "conat")
GOAL_CS = (100, 1000)
GOAL_CLIENTS = ("aiohttp-sem", "sdk-call", "sdk-gen")


def build_plan(quick: bool, have_official: bool) -> Plan:
    plan = Plan(mode="quick" if quick else "full")
    add = plan.configs.append
    if quick:
        # Every endpoint and client once, in short windows: the smoke run must stay well under
        # 60 s even on a busy CI machine. It checks that the harness works, not a number.
        plan.wrk_conns, plan.wrk_seconds = (100,), 1
        plan.overhead_calls, plan.import_reps = 3_000, 3
        plan.burst_modes = ("gather", "map")
        for endpoint, c in (("ping", 100), ("ping", 1000), ("v2", 100), ("conat", 100)):
            for client in GOAL_CLIENTS:
                add(Config(client, endpoint, c, 0.2, 0.5, 1))
        add(Config("aiohttp", "ping", 100, 0.2, 0.5, 1))
        # httpx collapses above C=100 (nothing finished in 75 s at C=1000): quick mode skips it.
        add(Config("httpx", "ping", 1, 0.2, 0.5, 1, group="other-clients"))
        add(Config("httpx", "ping", 100, 0.2, 0.5, 1, group="other-clients"))
        if have_official:
            add(Config("official-seq", "conat", 1, 0.2, 0.5, 1, group="other-clients"))
            add(Config("official-pool32", "conat", 32, 0.2, 0.5, 1, group="other-clients"))
        return plan
    plan.wrk_conns, plan.wrk_seconds = (100, 1000), 2
    # The goal cells: 7 paired rounds of 0.75 s warm-up + a 2.5 s window each (~12-20k calls).
    for endpoint in GOAL_ENDPOINTS:
        for c in GOAL_CS:
            clients = GOAL_CLIENTS + (("aiohttp",) if endpoint == "ping" else ())
            for client in clients:
                add(Config(client, endpoint, c, 0.75, 2.5, 7))
    # Context: the ping at other concurrencies, fewer and shorter rounds.
    for c in (1, 10, 5000):
        for client in (*GOAL_CLIENTS, "aiohttp"):
            add(Config(client, "ping", c, 0.5 if c < 5000 else 1.5, 2.0, 3))
    # httpx: a configuration that hits its deadline (C >= 1000) is not repeated.
    for c in (1, 10, 100, 1000):
        add(Config("httpx", "ping", c, 0.5, 2.0, 2, group="other-clients"))
    if have_official:
        add(Config("official-seq", "conat", 1, 0.5, 2.0, 2, group="other-clients"))
        add(Config("official-pool32", "conat", 32, 0.5, 2.0, 2, group="other-clients"))
    return plan


def narrow(plan: Plan, *, goals: bool, rounds: int | None) -> Plan:
    """``--goals``: only the goal cells and clients, no other section; ``--rounds``: per cell."""
    if goals:
        plan.configs = [
            cfg
            for cfg in plan.configs
            if cfg.group == "sdk-vs-raw" and cfg.c in GOAL_CS and cfg.client in GOAL_CLIENTS
        ]
        plan.wrk_conns, plan.burst_modes = (), ()
    if rounds is not None:
        plan.configs = [dataclasses.replace(cfg, reps=rounds) for cfg in plan.configs]
    return plan


# --------------------------------------------------------------------------- processes


def pin(core: str) -> list[str]:
    """``taskset -c core`` when there are two cores to split, else nothing."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", core]
    return []


def proc_cpu_seconds(pid: int) -> float:
    """utime+stime of a process from /proc (the server's own CPU, not ours)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """The fixed-response server in its own process, pinned to the server core."""

    def __init__(self, max_seconds: float) -> None:
        cmd = [*pin(SERVER_CORE), sys.executable, "-m", "benchmarks.server"]
        cmd += ["--max-seconds", str(int(max_seconds))]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        info = json.loads(line)
        self.port: int = info["port"]
        self.pid: int = info["pid"]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + "/__stats", timeout=5) as resp:
            data: dict[str, Any] = json.loads(resp.read())
        return data

    def cpu(self) -> float:
        return proc_cpu_seconds(self.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def python_for(client: str) -> str | None:
    if client.startswith("official"):
        exe = OFFICIAL_VENV / "bin" / "python"
        return str(exe) if exe.exists() else None
    return sys.executable


def run_driver(server: Server, cfg: Config) -> dict[str, Any]:
    """One configuration, one process; adds the server's CPU share over the same run."""
    exe = python_for(cfg.client)
    if exe is None:
        return {"client": cfg.client, "skipped": "official venv absent"}
    cmd = [*pin(CLIENT_CORE), exe, "-m", "benchmarks.drivers", "--client", cfg.client]
    cmd += ["--endpoint", cfg.endpoint, "--base-url", server.base_url, "--c", str(cfg.c)]
    cmd += ["--warmup", str(cfg.warmup), "--duration", str(cfg.duration)]
    load = os.getloadavg()[0]  # other work on the machine disturbs a run: kept with it
    cpu0, t0 = server.cpu(), time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=cfg.warmup + cfg.duration + 60
        )
    except subprocess.TimeoutExpired:
        return {**_cfg_dict(cfg), "ok": 0, "errors": {"HarnessTimeout": 1}, "deadline_hit": True}
    wall = time.perf_counter() - t0
    server_cpu_pct = 100.0 * (server.cpu() - cpu0) / wall if wall > 0 else None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            result["server_cpu_pct"] = server_cpu_pct
            result["loadavg_1m"] = load
            return result
    tail = (proc.stderr or "").strip().splitlines()[-3:]
    return {**_cfg_dict(cfg), "ok": 0, "errors": {"DriverCrashed": 1}, "error_sample": tail}


def _cfg_dict(cfg: Config) -> dict[str, Any]:
    return {"client": cfg.client, "endpoint": cfg.endpoint, "c": cfg.c, "n": 1}


def schedule(configs: list[Config]) -> list[tuple[int, Config]]:
    """(round, config) in run order: each cell's rounds back to back, the clients alternating.

    A cell is a group's (endpoint, C) pair; its rounds run back to back, so the runs compared in
    one round sit seconds apart (the CPU speed of this machine drifts within a minute, so only
    ratios of neighbours mean anything). Round r runs the clients rotated by r // 2 places, and
    reversed when r is odd: A B C, C B A, B C A, A C B, C A B, B A C, ... so that over the rounds
    every client runs in every position and after every other client (a run can be disturbed by
    the one before it: its closed sockets, the CPU's state), not always in the middle.
    """
    cells: dict[tuple[str, str, int], list[Config]] = {}
    for cfg in configs:
        cells.setdefault(cfg.cell, []).append(cfg)
    order: list[tuple[int, Config]] = []
    for group in cells.values():
        for r in range(max(cfg.reps for cfg in group)):
            todo = [cfg for cfg in group if cfg.reps > r]
            k = (r // 2) % len(todo)
            todo = todo[k:] + todo[:k]
            order += [(r, cfg) for cfg in (todo if r % 2 == 0 else todo[::-1])]
    return order


def run_rounds(server: Server, plan: Plan, log: Any) -> list[dict[str, Any]]:
    """Run the schedule; a configuration that hits its deadline is not repeated.

    (httpx at C>=1000: the first run already shows it collapses, and repeating it would only burn
    the time budget.)
    """
    runs: list[dict[str, Any]] = []
    dropped: set[str] = set()
    order = schedule(plan.configs)
    t0 = time.perf_counter()
    for i, (r, cfg) in enumerate(order):
        if cfg.key in dropped:
            continue
        res = run_driver(server, cfg)
        if res.get("skipped"):
            dropped.add(cfg.key)
            res.update(_cfg_dict(cfg))
        res["round"] = r
        runs.append(res)
        errs = sum(res.get("errors", {}).values())
        log(
            f"  [{i + 1}/{len(order)}] round {r + 1} {cfg.key}: {res.get('rps', 0):,.0f} req/s"
            + (f", {errs} errors ({res.get('error_sample')})" if errs else "")
            + (f", skipped: {res['skipped']}" if res.get("skipped") else "")
        )
        if res.get("deadline_hit"):
            dropped.add(cfg.key)
    log(f"client matrix: {len(runs)} runs in {time.perf_counter() - t0:.0f} s")
    return runs


# --------------------------------------------------------------------------- other sections


def wrk_capacity(server: Server, plan: Plan) -> dict[str, Any]:
    """The server's own ceiling, measured with wrk (a C load tool) pinned to the client core."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk not installed (apt-get install wrk)"}
    OUT.mkdir(parents=True, exist_ok=True)
    script = OUT / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = "{}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["Authorization"] = "Basic c2tfYmVuY2g6"\n'
    )
    out: dict[str, Any] = {"tool": "wrk -t1", "seconds": plan.wrk_seconds, "probes": []}
    for conns in plan.wrk_conns:
        for path in ("/api/v1/ping", "/api/v2/projects/get", "/api/conat/hub"):
            cmd = [*pin(CLIENT_CORE), wrk, "-t1", f"-c{conns}", f"-d{plan.wrk_seconds}s"]
            cmd += ["-s", str(script), server.base_url + path]
            cpu0, t0 = server.cpu(), time.perf_counter()
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=plan.wrk_seconds + 30
            )
            wall = time.perf_counter() - t0
            m = re.search(r"Requests/sec:\s*([\d.]+)", proc.stdout)
            non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", proc.stdout)
            out["probes"].append(
                {
                    "path": path,
                    "connections": conns,
                    "rps": float(m.group(1)) if m else None,
                    "non_2xx": int(non2xx.group(1)) if non2xx else 0,
                    "server_cpu_pct": 100.0 * (server.cpu() - cpu0) / wall,
                }
            )
    return out


def run_module(module: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run ``python -m module args`` pinned to the client core; parse its RESULT line."""
    cmd = [*pin(CLIENT_CORE), sys.executable, "-m", module, *args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{module} exceeded {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    return {"error": (proc.stderr or proc.stdout).strip()[-600:]}


def ensure_official_venv(log: Any) -> bool:
    """Install ``cocalc-api`` in its own venv (its MCP dependencies are ~50 MiB and clash)."""
    if (OFFICIAL_VENV / "bin" / "python").exists():
        return True
    log("creating the official client's venv (pip install cocalc-api) ...")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(OFFICIAL_VENV)], check=True, timeout=120)
        pip = [str(OFFICIAL_VENV / "bin" / "pip"), "install", "-q", "cocalc-api"]
        subprocess.run(pip, check=True, timeout=600, capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        log(f"official venv setup failed: {exc}")
        shutil.rmtree(OFFICIAL_VENV, ignore_errors=True)
        return False
    return True


def machine_info() -> dict[str, Any]:
    def version(mod: str) -> str | None:
        try:
            from importlib.metadata import version as v

            return v(mod)
        except Exception:
            return None

    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    official = None
    if (OFFICIAL_VENV / "bin" / "python").exists():
        official = subprocess.run(
            [str(OFFICIAL_VENV / "bin" / "python"), "-c",
             "import importlib.metadata as m; print(m.version('cocalc-api'), m.version('httpx'))"],
            capture_output=True, text=True, timeout=30,
        ).stdout.strip()  # fmt: skip
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git_revision": git("rev-parse", "--short=12", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", "cocalc_async", "benchmarks")),
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": version("aiohttp"),
        "httpx": version("httpx"),
        "cocalc_async": version("cocalc-async"),
        "official_client": official,
        "pinned": bool(pin(CLIENT_CORE)),
        # Other work on the machine (load average at start) disturbs absolute figures.
        "loadavg": os.getloadavg(),
        "wrk": shutil.which("wrk") is not None,
    }


# --------------------------------------------------------------------------- main


def smoke_failures(results: dict[str, Any]) -> list[str]:
    """Every call must succeed: any error, shortfall or deadline hit is a failure."""
    bad = []
    for run in results["runs"]:
        if run.get("skipped"):
            continue
        errors = sum(run.get("errors", {}).values())
        ok = run.get("ok", 0)
        if errors or ok == 0 or ok < run.get("n", 0) or run.get("deadline_hit"):
            bad.append(
                f"{run.get('endpoint')}/{run.get('client')}/C={run.get('c')}: "
                f"ok {run.get('ok')}/{run.get('n')}, errors {run.get('errors')} "
                f"{run.get('error_sample', '')}"
            )
    for section in ("burst", "overhead"):
        for item in results.get(section, []):
            if item.get("error") or item.get("errors"):
                bad.append(f"{section}: {item}")
    for run in results.get("e2e", {}).get("runs", []):
        if run.get("failed"):
            bad.append(
                f"e2e {run['runner']}: {run['failed']} students failed {run['failure_sample']}"
            )
    integrity = results.get("server_integrity", {})
    if integrity.get("server_answered", 0) < integrity.get("clients_ok", 0):
        bad.append(f"server answered fewer requests than clients counted: {integrity}")
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a reduced matrix in under 60 s")
    p.add_argument("--smoke", action="store_true", help="--quick, and exit 1 on any failed call")
    p.add_argument("--out", type=Path, default=OUT, help="directory for the JSON and Markdown")
    p.add_argument("--no-official-setup", action="store_true", help="never pip-install cocalc-api")
    p.add_argument("--render", type=Path, help="only re-render the Markdown of a results JSON")
    p.add_argument(
        "--goals",
        action="store_true",
        help="only the goal cells (SDK vs raw aiohttp at C=100 and C=1000), no other section",
    )
    p.add_argument("--rounds", type=int, help="paired rounds per cell instead of the plan's")
    args = p.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        p.error("--rounds must be >= 1")
    if args.render is not None:
        print(report.render(json.loads(args.render.read_text())))
        return 0
    quick = args.quick or args.smoke
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    have_official = (OFFICIAL_VENV / "bin" / "python").exists()
    if not have_official and not quick and not args.no_official_setup:
        have_official = ensure_official_venv(log)
    plan = narrow(build_plan(quick, have_official), goals=args.goals, rounds=args.rounds)
    results: dict[str, Any] = {"mode": plan.mode, "machine": machine_info()}
    results["command"] = " ".join(
        ["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])]
    )
    if not have_official:
        results["official_note"] = "official cocalc-api venv absent: its rows are skipped"

    server = Server(max_seconds=1200)
    try:
        log(f"server on {server.base_url} (pid {server.pid}); capacity probe ...")
        results["capacity"] = wrk_capacity(server, plan)
        before = sum(server.stats()["by_path"].values())
        log(f"client matrix: {len(plan.configs)} configurations ...")
        results["runs"] = run_rounds(server, plan, log)
        log("10,000 concurrent calls through one Client ...")
        results["burst"] = [
            run_module(
                "benchmarks.burst",
                ["--base-url", server.base_url, "--calls", str(plan.burst_calls), "--mode", mode],
                timeout=120,
            )
            for mode in plan.burst_modes
        ]
        answered = sum(server.stats()["by_path"].values()) - before
        clients_ok = sum(r.get("ok", 0) for r in results["runs"])
        clients_ok += sum(b.get("ok", 0) for b in results["burst"])
        results["server_integrity"] = {"server_answered": answered, "clients_ok": clients_ok}
    finally:
        server.stop()
    if not args.goals:
        log("SDK overhead with a stub transport ...")
        results["overhead"] = [
            run_module("benchmarks.overhead", ["--calls", str(plan.overhead_calls)], timeout=180)
        ]
        log("import time ...")
        results["import"] = run_module(
            "benchmarks.importtime", ["--reps", str(plan.import_reps)], timeout=180
        )
        log("end to end against the emulator ...")
        results["e2e"] = run_module(
            "benchmarks.e2e", ["--quick" if quick else "--full"], timeout=300
        )
    results["elapsed_s"] = time.perf_counter() - t_start

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    json_path = args.out / f"results-{plan.mode}-{stamp}.json"
    md_path = args.out / f"results-{plan.mode}-{stamp}.md"
    json_path.write_text(json.dumps(results, indent=1))
    markdown = report.render(results)
    md_path.write_text(markdown)
    print(markdown)
    log(f"wrote {json_path.name} and {md_path.name} under {args.out}")

    if args.smoke:
        bad = smoke_failures(results)
        if bad:
            print("SMOKE FAILED:\n  " + "\n  ".join(bad), file=sys.stderr)
            return 1
        total = results["server_integrity"]["clients_ok"]
        print(f"smoke: ok ({total} calls, all succeeded; {results['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
