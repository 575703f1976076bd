"""v2 async exec jobs: ``async_call`` starts one, ``async_get`` reads it, ``async_await`` waits,
``async_stats`` samples memory and CPU while it runs. The cache is an LRU of 100 jobs kept for
an hour, as in the project's ``COCALC_PROJECT_ASYNC_EXEC_CACHE_*`` defaults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._util import now_ms
from .exec import ExecError, ExecOptions, ProcessGroups, run

CACHE_MAX = 100
CACHE_TTL_S = 3600.0
ASYNC_MAX_OUTPUT = 1_000_000  # async defaults: 1 MB of output, 60 s
STATS_INTERVAL_S = 0.25
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Job:
    job_id: str
    project_id: str
    start: int
    pid_box: list[int] = field(default_factory=list)
    status: str = "running"
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    end: float | None = None
    stats: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def as_json(self, with_stats: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "async",
            "job_id": self.job_id,
            "start": self.start,
            "status": self.status,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "exit_code": self.exit_code,
        }
        if self.end is not None:
            # CoCalc sets elapsed_s only when the job ends (backend/execute-code.ts:267,682)
            out["elapsed_s"] = round((self.end * 1000 - self.start) / 1000, 3)
        if self.pid_box:
            out["pid"] = self.pid_box[0]
        if with_stats and self.stats:
            # the monitor creates the list at its first sample (execute-code.ts:399)
            out["stats"] = list(self.stats)
        return out


def _sample(pid: int) -> dict[str, Any] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as fh:
            rss_pages = int(fh.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    cpu_secs = (int(fields[11]) + int(fields[12])) / _TICKS
    return {
        "timestamp": now_ms(),
        "mem_rss": rss_pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024,
        "cpu_secs": cpu_secs,
        "cpu_pct": 0.0,
    }


_SPAWN = re.compile(r"Error: spawn (.+) (ENOENT|EACCES)")
_ERRNO = {"ENOENT": -2, "EACCES": -13}


def _job_stderr(err: ExecError) -> str:
    """What a failed job keeps as stderr. A nonzero exit under err_on_exit hands the job its
    stderr as the error (backend/execute-code.ts:720 `cb?.(stderr)`), and an empty one is
    falsy, so the job reads "No result" (:284-288): CoCalc's own quirk."""
    if err.stderr:
        return err.stderr
    if "exited with nonzero code" in err.text:
        return "No result"
    return _spawn_error(err)


def _spawn_error(err: ExecError) -> str:
    """A job whose command cannot be spawned keeps Node's error object, JSON-encoded, as its
    stderr (recorded: flow-exec-async-exits/await-missing-cmd); other failures their text."""
    m = _SPAWN.fullmatch(err.text)
    if m is None:
        return err.text
    command, code = m.group(1), m.group(2)
    node: dict[str, Any] = {"errno": _ERRNO[code], "code": code, "syscall": f"spawn {command}",
            "path": command, "spawnargs": []}  # fmt: skip
    return json.dumps(node, separators=(",", ":"))


class ExecJobs:
    def __init__(self, groups: ProcessGroups) -> None:
        self.groups = groups
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def start(self, project_id: str, opts: ExecOptions, cwd: Path, home: Path) -> dict[str, Any]:
        if opts.max_output is None:
            opts.max_output = ASYNC_MAX_OUTPUT
        job = Job(str(uuid.uuid4()), project_id, now_ms())
        job.task = asyncio.get_running_loop().create_task(self._run(job, opts, cwd, home))
        self._jobs[job.job_id] = job
        self._evict()
        return job.as_json(False)

    async def start_with_pid(
        self, project_id: str, opts: ExecOptions, cwd: Path, home: Path
    ) -> dict[str, Any]:
        """``start``, answered once the child exists: CoCalc's first answer carries its ``pid``
        (``{...job_config, pid}``, backend/execute-code.ts:300 @5cb3315c30)."""
        first = self.start(project_id, opts, cwd, home)
        job = self._jobs[first["job_id"]]
        for _ in range(400):  # at most 2 s: a spawn that slow has bigger problems
            if job.pid_box or job.done.is_set():
                break
            await asyncio.sleep(0.005)
        # the answer describes the job as spawned, even when a quick command has already ended
        if job.pid_box:
            first["pid"] = job.pid_box[0]
        return first

    async def _run(self, job: Job, opts: ExecOptions, cwd: Path, home: Path) -> None:
        sampler = asyncio.get_running_loop().create_task(self._sampler(job))
        try:
            out = await run(opts, cwd, home, self.groups, job.pid_box, job.project_id)
            job.stdout, job.stderr, job.exit_code = out.stdout, out.stderr, out.exit_code
            job.status = "completed"
        except ExecError as err:
            # the real project loses stdout here and puts the error text in stderr
            job.status, job.exit_code, job.stderr = "error", 1, _job_stderr(err)
        finally:
            sampler.cancel()
            job.end = time.time()
            job.done.set()

    async def _sampler(self, job: Job) -> None:
        last: dict[str, Any] | None = None
        while True:
            if job.pid_box:
                sample = _sample(job.pid_box[0])
                if sample is not None:
                    if last is not None:
                        dt = (sample["timestamp"] - last["timestamp"]) / 1000 or 1
                        sample["cpu_pct"] = round(
                            100 * (sample["cpu_secs"] - last["cpu_secs"]) / dt, 1
                        )
                    job.stats.append(sample)
                    last = sample
            await asyncio.sleep(STATS_INTERVAL_S)

    def _evict(self) -> None:
        now = time.time()
        for job_id, job in list(self._jobs.items()):
            if job.end is not None and now - job.end > CACHE_TTL_S:
                del self._jobs[job_id]
        while len(self._jobs) > CACHE_MAX:
            self._jobs.popitem(last=False)

    async def get(
        self, project_id: str, job_id: str, *, wait: bool, stats: bool, timeout: float | None
    ) -> dict[str, Any] | None:
        self._evict()
        job = self._jobs.get(job_id)
        if job is None or job.project_id != project_id:
            return None
        if wait and not job.done.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(job.done.wait(), timeout)
        return job.as_json(stats)

    async def close(self) -> None:
        tasks = [j.task for j in self._jobs.values() if j.task is not None and not j.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
