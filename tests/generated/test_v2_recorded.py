"""Every v2 exchange recorded from a real hub, replayed through its generated coroutine.

The recorded request's keywords go into the coroutine; the recorded answer comes back through
the real classifier (``_sansio.classify_response``). Each exchange must end one of three ways:
sent exactly as recorded and its answer typed (a model, or the error the table names); or, when
the hub refused the request too, refused before sending; or refused before sending although the
hub accepted it, for a reason listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import _sansio
from cocalc_async._generated.v2 import V2
from cocalc_async._types import Json
from cocalc_async.errors import APIError, ResponseValidationError
from cocalc_async.spec import Param, find

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "real"

#: Recorded requests the SDK refuses before sending, and why. The v2-valid-* exchanges were
#: recorded to see how a hub answers bad input; the SDK stops that input first.
REFUSED: dict[str, tuple[type[Exception], str]] = {
    "flow-copy/status": (ValueError, "'copy_id' must be a UUID"),  # "" after a synchronous copy
    "flow-project-key/v2-projects-get": (TypeError, "unexpected keyword argument 'project_id'"),
    # The hub answers {} to an action it does not know (server/api/manage.ts): nothing happens.
    "flow-api-key-expire/bad-action": (ValueError, "'action' must be one of"),
    # The v2 handler never reads exclude (copy-path.ts:25-37 @5cb3315c30): the recorded copy
    # copied the excluded junk.log anyway. The SDK offers no keyword that would be ignored.
    "flow-copy-options/copy-exclude": (TypeError, "unexpected keyword argument 'exclude'"),
    # CoCalc requires the target even for a copy within one project (copy-path.ts:90).
    "flow-copy-folders/copy-same-project": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-collab-add-no-account": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-collab-change-bad-group": (ValueError, "'new_group' must be one of"),
    "v2-valid-collab-remove-bad-uuid": (ValueError, "'account_id' must be a UUID"),
    "v2-valid-copy-path-no-path": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-copy-path-no-target": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-exec-args-not-list": (TypeError, "'args' must be a list of strings"),
    "v2-valid-exec-async-get-number": (TypeError, "'async_get' must be a string"),
    "v2-valid-exec-bad-project-id": (ValueError, "'project_id' must be a UUID"),
    "v2-valid-exec-no-command": (TypeError, "give at least one of the parameters"),
    "v2-valid-exec-nokey-invalid": (TypeError, "'exec_timeout' must be a number"),
    "v2-valid-exec-timeout-abc": (TypeError, "'exec_timeout' must be a number"),
    "v2-valid-exec-timeout-negative": (ValueError, "'exec_timeout' must be a positive number"),
    # CoCalc accepts 0 here; the SDK refuses it as never what is meant (no limit or none at all).
    "v2-valid-exec-timeout-zero": (ValueError, "'exec_timeout' must be a positive number"),
    "v2-valid-latex-no-path": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-projects-create-title-number": (TypeError, "'title' must be a string"),
    "v2-valid-projects-start-no-id": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-projects-update-title-number": (TypeError, "'title' must be a string"),
    "v2-valid-search-no-query": (TypeError, "missing 1 required keyword-only argument"),
    "v2-valid-sign-up-terms-string": (TypeError, "'terms' must be a bool"),
    "v2-valid-user-query-string": (TypeError, "'query' must be a mapping"),
}


class RecordedHub:
    """Answers the one call with the recorded status and body, through the real classifier."""

    def __init__(self, path: str, status: int, body: Json) -> None:
        self.path, self.status, self.body = path, status, body
        self.sent: list[dict[str, Any]] = []

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
        self.sent.append(dict(params or {}))
        raw = json.dumps(self.body).encode()
        return _sansio.classify_response(api, path, self.status, {}, raw)


def _exchanges() -> list[dict[str, Any]]:
    out = []
    for f in sorted(SAMPLES.rglob("*.json")):
        if f.name.startswith("_"):
            continue
        data = json.loads(f.read_text())
        for x in data.get("steps", [data]):
            path = str(x.get("path", "")) if isinstance(x, dict) else ""
            if (
                path.startswith("/api/v2/")
                and x.get("response_kind") == "json"
                and find("v2", path[len("/api/v2/") :])
            ):
                out.append(x)
    return out


EXCHANGES = _exchanges()


def endpoint_params(path: str) -> tuple[Param, ...]:
    endpoint = find("v2", path)
    assert endpoint is not None
    return tuple(p for p in endpoint.params if p.exposed)


def _method(root: V2, path: str) -> Any:
    obj: Any = root
    parts = path.split("/")
    for part in parts[:-1]:
        obj = getattr(obj, part.replace("-", "_"))
    return getattr(obj, parts[-1].replace("-", "_"))


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[str(x.get("id")) for x in EXCHANGES])
async def test_a_recorded_v2_exchange_replays_through_its_coroutine(
    exchange: dict[str, Any],
) -> None:
    path = exchange["path"][len("/api/v2/") :]
    request: dict[str, Any] = exchange.get("request_body") or {}
    hub = RecordedHub(path, exchange["status"], exchange.get("response_body"))
    # The recorded wire names, as the Python arguments that carry them (exec's ``timeout`` is
    # ``exec_timeout``: the old spelling would only warn).
    py_names = {p.name: p.py_name or p.name for p in endpoint_params(path)}
    kwargs = {re.sub(r"[^0-9A-Za-z_]", "_", py_names.get(k, k)): v for k, v in request.items()}
    fn = _method(V2(hub), path)
    refused = REFUSED.get(str(exchange.get("id")))
    if refused is not None:
        cls, text = refused
        with pytest.raises(cls, match=re.escape(text)):
            await fn(**kwargs)
        assert hub.sent == []
        return
    body = exchange.get("response_body")
    if request == {} and any(p.required for p in endpoint_params(path)):
        # An empty request to a route with required parameters (the recorded sweep of every
        # route): the hub may answer something empty, the SDK asks for what the route needs.
        with pytest.raises(TypeError, match=r"missing .* required keyword-only argument"):
            await fn(**kwargs)
        assert hub.sent == []
        return
    if exchange["status"] != 200 or (isinstance(body, dict) and "error" in body):
        # The hub refused this request too; the SDK may refuse it first, before sending.
        try:
            await fn(**kwargs)
        except APIError:
            assert hub.sent == [request]
        except (TypeError, ValueError):
            assert hub.sent == []
        return
    try:
        await fn(**kwargs)
    except APIError:
        pass  # the hub said no; tests/spec checks which class each text gets
    except ResponseValidationError as exc:  # pragma: no cover - the failure is the finding
        pytest.fail(f"the recorded answer does not fit the result model: {exc}")
    assert hub.sent == [request]  # exactly what was recorded, nothing added


def test_the_recordings_cover_many_routes() -> None:
    if not EXCHANGES:
        pytest.skip("no recorded v2 exchanges in this checkout")
    assert len({x["path"] for x in EXCHANGES}) >= 40
    assert all(any(str(x.get("id")) == k for x in EXCHANGES) for k in REFUSED)
