"""Replaying exchanges recorded from a real CoCalc hub (``tests/samples/real/``, format in its
README.md) through the SDK.

:class:`ReplayServer` is a loopback aiohttp server that answers every request with one recorded
response (status, content type and body as the hub sent them) and keeps what it received.
:func:`drive` sends the recorded request through the SDK's generated coroutine for that endpoint
(found by name from the spec) and names the outcome: the result's type, or the typed error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from cocalc_async import Client
from cocalc_async.errors import CoCalcError

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"


def load_exchanges(root: Path = SAMPLES) -> dict[str, dict[str, Any]]:
    """Every recorded exchange by id, flows flattened into their steps (``<flow>/<step>``)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        if path.name.startswith("_"):
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        batch = path.parent.relative_to(root).as_posix()
        for step in record["steps"] if record.get("flow") else [record]:
            # a later batch's ids may repeat the first batch's: they are named by folder
            name = step["id"] if batch == "." else f"{batch}/{step['id']}"
            out[name] = {**step, "_batch": "" if batch == "." else batch}
    return out


def key_of(role: str) -> str | None:
    """The key the replaying client sends for ``role`` (``none``: no key at all)."""
    return None if role == "none" else f"sk_replay_{role}_0123456789abcdef"


@dataclass
class ReplayServer:
    """Answers with ``exchange``, or else with the next of ``script`` (the last one repeats)."""

    exchange: dict[str, Any] | None = None
    script: list[dict[str, Any]] = field(default_factory=list)
    received: list[tuple[str, str, Any, str | None]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> ReplayServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        self.received.append(
            (request.method, request.path, body, request.headers.get("Authorization"))
        )
        ex = self.exchange
        if ex is None:
            assert self.script, "no exchange to replay"
            ex = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if ex["response_kind"] == "json":
            data = json.dumps(ex["response_body"]).encode()
        else:
            data = str(ex["response_body"]).encode()
        return web.Response(
            status=ex["status"], body=data, headers={"Content-Type": ex["content_type"]}
        )


def target(ex: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """``(api, path, params)`` of ``Client.call`` for the recorded request."""
    path: str = ex["path"]
    body: dict[str, Any] = dict(ex["request_body"] or {})
    for prefix, api in (("/api/v2/", "v2"), ("/api/v1/", "v1")):
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return api, path[len(prefix) :].strip("/"), body
    if path in ("/api/conat/hub", "/api/conat/project"):
        name = str(body.pop("name", ""))
        return path[len("/api/") :], name, body
    raise ValueError(f"not an API path: {path}")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def coroutine_and_kwargs(client: Client, ex: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
    """The generated coroutine for the recorded request and its keyword arguments, or ``None``
    when the SDK has no coroutine for that endpoint."""
    from cocalc_async.spec import find

    api, path, params = target(ex)
    endpoint = find(api, path)
    if endpoint is None:
        return None
    ns: Any
    if api == "v1":
        ns, name = client.v1, path
    elif api == "v2":
        ns = client.v2
        *groups, name = path.split("/")
        for group in groups:
            ns = getattr(ns, group.replace("-", "_"), None)
        name = name.replace("-", "_")
    else:
        group, fn = path.split(".", 1)
        bridge = client.conat.hub if api == "conat/hub" else client.conat.project
        ns, name = getattr(bridge, group, None), _snake(fn)
    fn_obj = getattr(ns, name, None) if ns is not None else None
    if fn_obj is None:
        return None
    # Each wire name as the Python argument that carries it (an exec's ``timeout`` is
    # ``exec_timeout``; the old spelling still works but warns).
    py_names = {p.name: p.py_name or p.name for p in endpoint.params}
    if api in ("v1", "v2"):
        return fn_obj, {py_names.get(k, k): v for k, v in params.items()}
    args = params.get("args") or []
    kwargs: dict[str, Any] = {}
    if endpoint.args_style == "positional":
        names = [py_names[p.name] for p in endpoint.params if p.exposed]
        kwargs.update(zip(names, args, strict=False))
    elif args:
        first = args[0]
        given = first.get("opts", {}) if endpoint.args_style == "opts" else first
        kwargs.update((py_names.get(k, k), v) for k, v in given.items())
    if isinstance(params.get("timeout"), (int, float)):
        kwargs["rpc_timeout"] = params["timeout"] / 1000  # the bridge's limit, ms on the wire
    if api == "conat/project":
        return (lambda **kw: fn_obj(params.get("project_id"), **kw)), kwargs
    return fn_obj, kwargs


def outcome_of(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, list):
        return f"list[{type(value[0]).__name__}]" if value else "list"
    if (
        isinstance(value, dict)
        and value
        and all(hasattr(v, "__attrs_attrs__") for v in value.values())
    ):
        return f"dict[{type(next(iter(value.values()))).__name__}]"
    return type(value).__name__


async def drive(server: ReplayServer, ex: dict[str, Any]) -> tuple[str, str]:
    """Replay ``ex`` through its generated coroutine and through ``Client.call``.

    Returns ``(generated, raw)``: each the result's type name or the error class's name; a
    generated coroutine that refuses the recorded arguments before sending gives
    ``refused:<TypeError|ValueError>``; no coroutine for the endpoint gives ``no-coroutine``.
    """
    server.exchange = ex
    api, path, params = target(ex)
    async with Client(
        key_of(ex["role"]), base_url=server.url, max_retries=0, request_timeout=10
    ) as c:
        found = coroutine_and_kwargs(c, ex)
        generated = "no-coroutine"
        if found is not None:
            fn, kwargs = found
            before = len(server.received)
            try:
                generated = outcome_of(await fn(**kwargs))
            except CoCalcError as err:
                generated = type(err).__name__
            except (TypeError, ValueError) as err:
                assert len(server.received) == before, "refused after sending"
                generated = f"refused:{type(err).__name__}"
        try:
            raw = outcome_of(await c.call(api, path, params))  # type: ignore[arg-type]
        except CoCalcError as err:
            raw = type(err).__name__
    return generated, raw
