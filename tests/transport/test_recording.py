"""RecordingTransport writes the recordings' format, never the key; ReplayTransport reads it back.

With ``COCALC_LIVE_URL`` and ``COCALC_LIVE_KEY`` set, the last test records a short session
against that server into a temporary directory and replays it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import Client, MockTransport, TransportRequest, TransportResponse, errors
from cocalc_async.transport import AiohttpTransport, RecordingTransport, ReplayTransport

KEY = "sk_recording_secret_KEY_42abcdef"
PID = "9a78d766-4989-4608-bc6e-fcde700d9fca"


def server(request: TransportRequest) -> TransportResponse:
    body: Any = request.json
    if request.url.endswith("/api/v2/exec"):
        # A hostile server that echoes the key back in its answer.
        return TransportResponse.json(
            200, {"stdout": f"key was {KEY}\n", "stderr": "", "exit_code": 0, "type": "blocking"}
        )
    if body.get("name") == "system.ping":
        return TransportResponse.json(200, {"now": 1796303942354})
    return TransportResponse.text(
        404, "<html><title>404 Page Not Found</title></html>", content_type="text/html"
    )


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def all_text(directory: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.json")))


def load_all(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


async def test_a_recorded_session_has_the_format_and_no_key(tmp_path: Path) -> None:
    recorder = RecordingTransport(
        MockTransport(server),
        tmp_path,
        role="instructor",
        labels={PID: "project:p1"},
        source_commit="5cb3315c303b35b076c391d0d3a747d4c3a422b6",
    )
    async with Client(KEY, base_url="https://cocalc.example", transport=recorder) as client:
        await client.conat.hub.system.ping()
        await client.v2.exec(project_id=PID, command=f"echo {KEY}")
        with pytest.raises(errors.EndpointNotServedError):
            await client.call("v2", "projects/nothing-here", {})
    assert names(tmp_path) == [
        "0001-conat-hub-system-ping.json",
        "0002-v2-exec.json",
        "0003-v2-projects-nothing-here.json",
    ]
    text = all_text(tmp_path)
    assert KEY not in text
    assert "Authorization" not in text
    ping, exec_, missing = load_all(tmp_path)
    assert ping["path"] == "/api/conat/hub"
    assert ping["request_body"] == {"name": "system.ping", "args": []}
    assert ping["response_kind"] == "json"
    assert ping["response_body"] == {"now": 1796303942354}
    assert ping["role"] == "instructor"
    assert ping["seq"] == 1
    assert ping["source_commit"].startswith("5cb3315c30")
    for field in ("id", "title", "method", "status", "content_type", "elapsed_ms", "recorded_at"):
        assert field in ping
    assert exec_["request_body"]["command"] == "echo <KEY:instructor>"
    assert exec_["response_body"]["stdout"] == "key was <KEY:instructor>\n"
    assert exec_["ids"] == {PID: "project:p1"}
    assert missing["response_kind"] == "html"
    assert missing["html_title"] == "404 Page Not Found"
    assert missing["status"] == 404

    # ... and it replays: same answers, same typed error, no key needed.
    replay = ReplayTransport(tmp_path)
    async with Client(
        "sk_another_key_000000000", base_url="http://127.0.0.1:9", transport=replay
    ) as c:
        pong = await c.conat.hub.system.ping()
        out = await c.v2.exec(project_id=PID, command="echo <KEY:instructor>")
        with pytest.raises(errors.EndpointNotServedError):
            await c.call("v2", "projects/nothing-here", {})
    assert pong.now.year == 2026
    assert out.stdout == "key was <KEY:instructor>\n"
    assert replay.unused == []


async def test_without_a_key_the_role_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COCALC_API_KEY", raising=False)
    monkeypatch.delenv("COCALC_API_KEY_FILE", raising=False)
    recorder = RecordingTransport(MockTransport(server), tmp_path, role="instructor")
    async with Client(base_url="https://cocalc.example", transport=recorder) as client:
        await client.conat.hub.system.ping()
    (record,) = load_all(tmp_path)
    assert record["role"] == "none"


async def test_a_failed_attempt_is_not_recorded(tmp_path: Path) -> None:
    def refuse(request: TransportRequest) -> TransportResponse:
        raise errors.APIConnectionError("refused", may_have_reached_server=False)

    recorder = RecordingTransport(MockTransport(refuse), tmp_path)
    async with Client(
        KEY, base_url="https://cocalc.example", transport=recorder, max_retries=0
    ) as c:
        with pytest.raises(errors.APIConnectionError):
            await c.conat.hub.system.ping()
    assert names(tmp_path) == []


@pytest.mark.live
@pytest.mark.skipif(
    not (os.environ.get("COCALC_LIVE_URL") and os.environ.get("COCALC_LIVE_KEY")),
    reason="set COCALC_LIVE_URL and COCALC_LIVE_KEY to record against a real hub",
)
async def test_record_and_replay_a_live_session(tmp_path: Path) -> None:
    key = os.environ["COCALC_LIVE_KEY"]
    recorder = RecordingTransport(AiohttpTransport(), tmp_path, role="live")
    async with Client(key, base_url=os.environ["COCALC_LIVE_URL"], transport=recorder) as client:
        live = await client.conat.hub.system.ping()
    assert key not in all_text(tmp_path)
    replay = ReplayTransport(tmp_path)
    async with Client(base_url="http://127.0.0.1:9", transport=replay) as client:
        again = await client.conat.hub.system.ping()
    assert again == live
