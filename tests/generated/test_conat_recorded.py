"""Every conat exchange recorded from a real hub, replayed through the generated coroutines.

For each recorded call that succeeded, the same arguments given to the coroutine must produce the
recorded ``args`` exactly, and the recorded answer must fit the coroutine's result type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cocalc_async._generated.conat import Conat
from cocalc_async._types import Json
from cocalc_async.spec import Endpoint, find

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "real"

#: Recorded calls the SDK refuses before sending, on purpose.
REFUSED = {
    # Not one of the ApiKeyAction values (util/db-schema/api-keys.ts).
    "hubfn-manageApiKeys-bad-action": ValueError,
    # "error" is no field of webapp_error (database/postgres-server-queries.coffee:148).
    "hubfn-webappError": TypeError,
}


class Recorder:
    def __init__(self, answer: Json) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    async def call(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json:
        self.calls.append(dict(params or {}))
        return self.answer


def _exchanges() -> list[tuple[dict[str, Any], Endpoint]]:
    out = []
    for f in sorted(SAMPLES.rglob("*.json")):
        if f.name.startswith("_"):
            continue
        data = json.loads(f.read_text())
        for x in data.get("steps", [data]):
            if not isinstance(x, dict) or not str(x.get("path", "")).startswith("/api/conat/"):
                continue
            request = x.get("request_body") or {}
            api = "conat/hub" if x["path"].endswith("/hub") else "conat/project"
            endpoint = find(api, str(request.get("name", "")))
            body = x.get("response_body")
            if endpoint is None or (isinstance(body, dict) and "error" in body):
                continue  # unknown functions and errors are the error table's (tests/spec)
            out.append((x, endpoint))
    return out


EXCHANGES = _exchanges()


def _identifier(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", name)


def test_the_recordings_cover_most_functions() -> None:
    if not EXCHANGES:
        pytest.skip("no recorded conat exchanges in this checkout")
    assert len({e.key for _, e in EXCHANGES}) >= 40


@pytest.mark.parametrize(
    ("exchange", "endpoint"), EXCHANGES, ids=[f"{x.get('id')}" for x, _ in EXCHANGES]
)
async def test_a_recorded_call_is_sent_the_same_and_its_answer_fits(
    exchange: dict[str, Any], endpoint: Endpoint
) -> None:
    request = exchange["request_body"]
    args: list[Any] = request.get("args", [])
    params = [
        p
        for p in endpoint.params
        if p.exposed and not (endpoint.api == "conat/project" and p.name == "project_id")
    ]
    # Each recorded wire name as the Python argument that carries it (an exec's ``timeout`` is
    # ``exec_timeout``: the old spelling would only warn).
    py_names = {p.name: p.py_name or p.name for p in params}
    if endpoint.args_style == "positional":
        kwargs = {_identifier(py_names[p.name]): v for p, v in zip(params, args, strict=False)}
    else:
        first = args[0] if args else {}
        given = first.get("opts", {}) if endpoint.args_style == "opts" else first
        kwargs = {_identifier(py_names.get(k, k)): v for k, v in given.items()}
    rec = Recorder(exchange.get("response_body"))
    group, fn = endpoint.path.split(".", 1)
    side = Conat(rec).hub if endpoint.api == "conat/hub" else Conat(rec).project
    method = getattr(getattr(side, group), re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", fn).lower())
    where = [request.get("project_id")] if endpoint.api == "conat/project" else []
    refused = REFUSED.get(str(exchange.get("id")))
    if refused is not None:
        with pytest.raises(refused):
            await method(*where, **kwargs)
        assert rec.calls == []
        return
    await method(*where, **kwargs)  # the recorded answer fits the result type
    sent = rec.calls[0]["args"]
    # No arguments and one empty options object are the same call to CoCalc (the hub's
    # authFirst makes args[0] = {} when it is missing, conat/hub/api/util.ts:2-4).
    assert sent == args or {json.dumps(sent), json.dumps(args)} == {"[]", "[{}]"}
