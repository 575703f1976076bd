"""ReplayTransport against the committed recordings of a real CoCalc hub (tests/samples/real/).

Every single-exchange recording is sent through a Client over a ReplayTransport, and the SDK's
answer (the JSON, or the typed error) is the one ``classify_response`` gives for the recorded
answer itself; a few exchanges are also replayed through the generated, typed coroutines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import Client, errors
from cocalc_async._sansio import classify_response
from cocalc_async.transport import (
    RecordingNotFoundError,
    ReplayTransport,
    TransportRequest,
    TransportResponse,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"
SECOND = SAMPLES / "recorded-2026-12-03"
KEY = "sk_replay_test_key_0123456789"
P1 = "b08f73f5-f616-4ba3-b143-3a40214dd8c0"  # project p1 of the first recording session


def single_exchanges() -> list[Path]:
    out = []
    for folder in (SAMPLES, SECOND, SAMPLES / "recorded-transport-2026-12-03"):
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if path.name.startswith("_") or data.get("flow"):
                continue
            if data["method"] == "POST" and isinstance(data["request_body"], (dict, type(None))):
                out.append(path)
    return out


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def call_of(record: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    """(api, path, params) for Client.call that send the recorded request."""
    url_path: str = record["path"]
    body = dict(record["request_body"] or {})
    if url_path.startswith("/api/conat/"):
        return url_path.removeprefix("/api/"), body.pop("name"), body
    api, _, path = url_path.removeprefix("/api/").partition("/")
    return api, path, body


def outcome(fn: Any) -> Any:
    """("ok", value) or (error class name, status): a RecordingNotFoundError never equals one."""
    try:
        return ("ok", fn())
    except errors.CoCalcError as exc:
        return (type(exc).__name__, getattr(exc, "status_code", None))


EXCHANGES = single_exchanges()


def test_there_are_recordings_to_replay() -> None:
    assert len(EXCHANGES) > 300


@pytest.mark.parametrize("path", EXCHANGES, ids=[p.stem for p in EXCHANGES])
async def test_every_recorded_exchange_replays_to_its_own_classification(path: Path) -> None:
    record = load(path)
    api, name, params = call_of(record)
    replay = ReplayTransport(path)
    # The answer the replay gives, classified directly: what the SDK must return or raise.
    answer = replay._answer(record)
    expected = outcome(
        lambda: classify_response(api, name, answer.status, answer.headers, answer.body)
    )
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay, max_retries=0) as c:
        got = await _async_outcome(c.call(api, name, params, idempotent=False))
    assert got == expected
    assert replay.unused == []  # the request matched its recording


async def _async_outcome(coro: Any) -> Any:
    try:
        return ("ok", await coro)
    except errors.CoCalcError as exc:
        return (type(exc).__name__, getattr(exc, "status_code", None))


async def test_v2_exec_echo_through_the_typed_coroutine() -> None:
    replay = ReplayTransport(SAMPLES / "v2-exec-echo.json")
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as client:
        out = await client.v2.exec(project_id=P1, command="echo hello; echo oops >&2", bash=True)
    assert out.stdout == "hello\n"
    assert out.stderr == "oops\n"
    assert out.exit_code == 0


async def test_a_200_error_replays_as_the_typed_error() -> None:
    replay = ReplayTransport(SAMPLES / "v2-exec-stranger.json")
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as client:
        with pytest.raises(errors.PermissionDeniedError) as info:
            await client.v2.exec(project_id=P1, command="echo x")
    assert info.value.status_code == 200
    assert "collaborator" in str(info.value)


async def test_a_400_validation_answer_replays_as_invalid_parameters() -> None:
    replay = ReplayTransport(SECOND / "v2-valid-exec-no-command.json")
    other_project = "0d6f0c8e-8f3a-4b38-9d4c-6f1f0e0b7a11"  # a label binds any uuid
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as client:
        with pytest.raises(errors.InvalidParametersError) as info:
            # client.v2.exec refuses this before sending; call() lets the server's check answer
            await client.call("v2", "exec", {"project_id": other_project})
    assert info.value.status_code == 400
    assert isinstance(info.value, errors.APIStatusError)
    assert replay.bindings == {"project:p1": other_project}


async def test_a_label_stays_bound_and_recorded_ids_are_rewritten_in_answers() -> None:
    recorded = "11111111-2222-4333-8444-555555555555"
    live = "99999999-8888-4777-8666-555555555555"
    replay = ReplayTransport(SAMPLES / "v2-exec-echo.json")
    replay.recordings[0].record["ids"] = {P1: "project:p1"}
    replay.recordings[0].record["response_body"] = {"stdout": P1, "stderr": "", "exit_code": 0}
    request = TransportRequest(
        "POST",
        "http://h/api/v2/exec",
        {},
        json.dumps(
            {"project_id": live, "command": "echo hello; echo oops >&2", "bash": True}
        ).encode(),
        None,  # type: ignore[arg-type]
        "v2/exec",
        "r1",
    )
    answer = await replay.handle(request)
    assert json.loads(answer.body)["stdout"] == live  # the recorded id became the bound one
    assert recorded not in answer.body.decode()
    with pytest.raises(RecordingNotFoundError, match="no unused recording"):
        await replay.handle(request)  # used once: a repeat has nothing left, and says so


async def test_an_unmatched_request_raises_at_once_naming_it() -> None:
    replay = ReplayTransport(SAMPLES / "v2-exec-echo.json")
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as client:
        with pytest.raises(RecordingNotFoundError) as info:
            await client.v2.exec(project_id=P1, command="rm -rf /")
    assert "/api/v2/exec" in str(info.value)
    assert "rm -rf" in str(info.value)
    assert "1 recording(s) of this path" in str(info.value)
    assert KEY not in str(info.value)


async def test_repeated_identical_requests_get_their_answers_in_recorded_order(
    tmp_path: Path,
) -> None:
    base = load(SAMPLES / "hub-ping.json")
    for seq, now in ((2, 2000), (1, 1000)):
        record = dict(base, seq=seq, id=f"ping-{seq}", response_body={"now": now})
        (tmp_path / f"ping-{seq}.json").write_text(json.dumps(record), encoding="utf-8")
    replay = ReplayTransport(tmp_path)
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as client:
        first = await client.conat.hub.system.ping()
        second = await client.conat.hub.system.ping()
    assert first.now.timestamp() == 1.0
    assert second.now.timestamp() == 2.0


def test_flows_are_read_step_by_step() -> None:
    replay = ReplayTransport(SAMPLES / "flow-copy.json")
    flow = load(SAMPLES / "flow-copy.json")
    assert len(replay.recordings) == len(flow["steps"])


def test_an_empty_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no recordings"):
        ReplayTransport(tmp_path)


def test_response_helper_is_case_insensitive() -> None:
    answer = TransportResponse.build(200, b"{}", content_type="application/json")
    assert answer.headers["CONTENT-TYPE"] == "application/json"


SESSION = SAMPLES / "recorded-transport-2026-12-03"


async def test_the_recorded_sdk_session_replays_call_for_call() -> None:
    records = [load(p) for p in sorted(SESSION.glob("*.json"))]
    p1 = next(uuid for uuid, label in records[3]["ids"].items() if label == "project:p1")
    nowhere = next(u for u, label in records[6]["ids"].items() if label == "project:nonexistent")
    replay = ReplayTransport(SESSION)
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay) as c:
        pong = await c.conat.hub.system.ping()
        me = await c.query.get("accounts", account_id=None, email_address=None)
        projects = await c.v2.projects.get()
        out = await c.v2.exec(project_id=p1, command="echo hello from the transport recorder")
        await c.conat.project.system.write_text_file_to_project(
            p1, path="transport-rec.txt", content="recorded by RecordingTransport\n"
        )
        text = await c.conat.project.system.read_text_file_from_project(
            p1, path="transport-rec.txt"
        )
        with pytest.raises(errors.PermissionDeniedError) as info:
            await c.v2.exec(project_id=nowhere, command="echo x")
    assert pong.now.year == 2026
    assert me["email_address"] == "teacher@example.com"
    assert p1 in [p.project_id for p in projects]
    assert out.stdout == "hello from the transport recorder\n"
    assert text == "recorded by RecordingTransport\n"
    assert info.value.status_code == 200
    assert replay.unused == []


def expected_of(api: str, name: str, answer: TransportResponse) -> Any:
    return outcome(lambda: classify_response(api, name, answer.status, answer.headers, answer.body))


def flows() -> list[Path]:
    return sorted(
        p for folder in (SAMPLES, SECOND) for p in folder.glob("flow-*.json") if load(p).get("flow")
    )


FLOWS = flows()


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
async def test_every_recorded_flow_replays_step_by_step(path: Path) -> None:
    steps = [
        s
        for s in load(path)["steps"]
        if s["method"] == "POST" and isinstance(s["request_body"], (dict, type(None)))
    ]
    replay = ReplayTransport(path)
    async with Client(KEY, base_url="http://127.0.0.1:9", transport=replay, max_retries=0) as c:
        for step in steps:
            api, name, params = call_of(step)
            expected = expected_of(api, name, replay._answer(step))
            got = await _async_outcome(c.call(api, name, params, idempotent=False))
            assert got == expected, step["id"]
    assert replay.unused == []


def test_the_flows_are_found() -> None:
    assert len(FLOWS) >= 20
