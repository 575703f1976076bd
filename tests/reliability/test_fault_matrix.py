"""The fault matrix: every fault of docs/reliability.md on idempotent and non-idempotent endpoints.

The expected outcomes are parsed from the table in ``docs/reliability.md``: the page is the data.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import attrs
import pytest

from cocalc_async import Client, Timeout, errors
from cocalc_async.retry import RetryPolicy
from cocalc_async.testing import Emulator, FaultKind

from .conftest import RequestIds

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
READ_TIMEOUT = 0.3
SLOW_DELAY = 0.6


@dataclass(frozen=True)
class Expected:
    fault: str
    kind: str
    outcome: str
    attempts: int
    executions: int | None


def parse_table(text: str) -> list[Expected]:
    block = re.search(r"<!-- fault-matrix:start -->(.*?)<!-- fault-matrix:end -->", text, re.S)
    assert block is not None, "docs/reliability.md lost its fault-matrix table"
    rows: list[Expected] = []
    for line in block.group(1).strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        fault, kind, outcome, attempts, executions = cells
        rows.append(
            Expected(
                fault, kind, outcome, int(attempts), None if executions == "-" else int(executions)
            )
        )
    return rows


EXPECTED = parse_table(DOC.read_text(encoding="utf-8"))

# --- how each fault is injected ----------------------------------------------------------

Inject = Callable[[Emulator, str], None]


def _kind(kind: FaultKind, **opts: Any) -> Inject:
    def inject(emu: Emulator, endpoint: str) -> None:
        emu.faults.add(endpoint, kind, **opts)

    return inject


def _custom(status: int, body: str, content_type: str = "application/json") -> Inject:
    return _kind(FaultKind.CUSTOM, status=status, body=body, content_type=content_type)


INVALID_PARAMS = (
    '{"error": "invalid parameters \'Error: misc.defaults -- TypeError: got an unexpected '
    "argument 'bogus' (obj1={}, obj2={})'\"}"
)

INJECT: dict[str, Inject | None] = {
    "refused": None,
    "reset_before_body": _kind(FaultKind.RESET_BEFORE_BODY),
    "reset_after_body": _kind(FaultKind.RESET_AFTER_BODY),
    "reset_mid_response": _kind(FaultKind.RESET_MID_RESPONSE),
    "http_500_json": _kind(FaultKind.HTTP_500),
    "http_502_html": _kind(FaultKind.HTTP_502),
    "http_504_html": _kind(FaultKind.HTTP_504),
    "http_503_retry_after": _kind(FaultKind.HTTP_503, retry_after=0.05),
    "http_429_retry_after_300s": _kind(FaultKind.HTTP_429, retry_after=300),
    "v2_throttle": _kind(FaultKind.THROTTLE),
    "event_error_200": _custom(200, '{"event": "error", "error": "something broke"}'),
    "error_field_200": _custom(200, '{"error": "something broke"}'),
    "non_json_200": _kind(FaultKind.NON_JSON),
    "truncated_json": _kind(FaultKind.TRUNCATED_JSON),
    "slower_than_read_timeout": _kind(FaultKind.SLOW, delay=SLOW_DELAY),
    "http_413": _kind(FaultKind.HTTP_413),
    "v1_400_invalid_parameters": _custom(400, INVALID_PARAMS),
}

# --- the endpoints and how their side effects are counted ---------------------------------

Api = Literal["v1", "v2"]


@dataclass(frozen=True)
class Endpoint:
    api: Api
    path: str
    idempotent: bool

    @property
    def name(self) -> str:
        return f"{self.api}/{self.path}"


ENDPOINTS = [
    Endpoint("v1", "ping", True),
    Endpoint("v1", "copy_path_status", True),
    Endpoint("v2", "projects/get", True),
    Endpoint("v1", "create_project", False),
    Endpoint("v1", "project_exec", False),
    Endpoint("v1", "copy_path_between_projects", False),
]


def params_for(ep: Endpoint, src: str, dst: str) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {
        "ping": {},
        "copy_path_status": {"src_project_id": src},
        "projects/get": {},
        "create_project": {"title": "matrix"},
        "project_exec": {"project_id": src, "command": "sh", "args": ["-c", "echo x >> runs.txt"]},
        "copy_path_between_projects": {
            "src_project_id": src,
            "src_path": ".",
            "target_project_id": dst,
        },
    }
    return table[ep.path]


def executions(emu: Emulator, ep: Endpoint, src: str) -> int:
    if ep.path == "create_project":
        return sum(1 for row in emu.store.projects_of(emu.account_id) if row["title"] == "matrix")
    if ep.path == "project_exec":
        runs = emu.project_dir(src) / "runs.txt"
        return len(runs.read_text().splitlines()) if runs.exists() else 0
    if ep.path == "copy_path_between_projects":
        return len(emu.store.query_copies([], [], 1000, 0))
    raise AssertionError(f"{ep.name} has no side effect to count")


@attrs.frozen
class SpyPolicy(RetryPolicy):
    """The RetryPolicy, noting each failure it judged (the first time) and its decision."""

    decisions: list[tuple[BaseException, bool]] = attrs.field(factory=list, eq=False)

    def is_retryable(self, exc: BaseException, *, idempotent: bool) -> bool:
        decision = super().is_retryable(exc, idempotent=idempotent)
        if all(seen is not exc for seen, _ in self.decisions):
            self.decisions.append((exc, decision))
        return decision


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: connecting to it is refused


CASES = [
    pytest.param(exp, ep, id=f"{exp.fault}-{ep.name}")
    for exp in EXPECTED
    for ep in ENDPOINTS
    if (exp.kind == "idempotent") == ep.idempotent
]


def test_the_doc_table_covers_every_fault_on_both_kinds_of_endpoint() -> None:
    pairs = {(e.fault, e.kind) for e in EXPECTED}
    assert pairs == {(f, k) for f in INJECT for k in ("idempotent", "non-idempotent")}
    assert len(EXPECTED) == len(pairs), "a fault appears twice in the table"
    assert all((e.executions is None) == (e.kind == "idempotent") for e in EXPECTED)
    assert all(e.executions is None or e.executions <= 1 for e in EXPECTED)


@pytest.mark.parametrize(("expected", "ep"), CASES)
async def test_fault_matrix_cell(
    emu: Emulator, request_ids: RequestIds, expected: Expected, ep: Endpoint
) -> None:
    src, dst = emu.create_project(), emu.create_project()
    inject = INJECT[expected.fault]
    base_url = emu.url if inject is not None else f"http://127.0.0.1:{free_port()}"
    if inject is not None:
        inject(emu, ep.name)
    timeout = Timeout(connect=2.0, read=READ_TIMEOUT, total=10.0)
    policy = SpyPolicy(max_retries=2, initial_delay=0.05, max_delay=0.1)
    async with Client(
        emu.api_key, base_url=base_url, request_timeout=timeout, retry=policy
    ) as client:
        outcome: str
        error: BaseException | None = None
        try:
            result = await client.call(ep.api, ep.path, params_for(ep, src, dst))
        except errors.CoCalcError as exc:
            outcome, error = type(exc).__name__, exc
        else:
            outcome = "ok"
            assert result is not None
        assert client.session.in_flight == 0
    if expected.fault == "slower_than_read_timeout":
        await asyncio.sleep(SLOW_DELAY + 0.3)  # let a handler that outlived its client finish
    if expected.outcome == "ok":
        assert outcome == "ok", f"{ep.name}: {error!r}"
    else:
        # The table names the class to catch; the error raised may be a subclass of it (the
        # status and body variants of one error share their name's base class).
        assert isinstance(error, getattr(errors, expected.outcome)), f"{ep.name}: {error!r}"
    assert emu.requests.count(ep.name) == expected.attempts
    ids = request_ids.for_endpoint(ep.name)
    assert len(ids) == expected.attempts
    assert len(set(ids)) <= 1
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    if error is not None:
        client_attempts = 3 if expected.fault == "refused" else expected.attempts
        assert getattr(error, "attempts", None) == client_attempts
        if ids:
            assert getattr(error, "request_id", None) == ids[0]
    if expected.executions is not None:
        assert executions(emu, ep, src) == expected.executions
    assert emu.faults.pending() == 0
    # The decision is the policy's: the first failure was repeated exactly when the policy said
    # so, for this endpoint's idempotency, and the default policy decides the same way.
    first_error, retried = policy.decisions[0]
    assert retried == (expected.fault == "refused" or expected.attempts > 1)
    assert RetryPolicy().is_retryable(first_error, idempotent=ep.idempotent) is retried
