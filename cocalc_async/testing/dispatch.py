"""The path every API request takes: faults and latency, body parsing, the request log, then the
API's own handler. Kept flat and allocation-light because the soak and the benchmarks hit it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from .auth import AuthHeaderError, parse_authorization
from .faults import Fault, FaultKind
from .replies import Reply, compact, express_413, html, pretty
from .request_log import RecordedRequest, mask

if TYPE_CHECKING:
    from .context import Context

#: ``run(params, key) -> Reply``; ``key`` is ``None`` without a header, or an AuthHeaderError.
Runner = Callable[[dict[str, Any], "str | AuthHeaderError | None"], Awaitable[Reply]]


class BadBody(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def parse_form(raw: bytes) -> dict[str, Any]:
    """Express's extended urlencoded parsing, far enough for CoCalc: ``a[]=x`` and ``a[0]=x``
    make lists, ``a[b]=x`` makes a dict. Values stay strings, as on the real server."""
    out: dict[str, Any] = {}
    for k, v in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if "[" in k and k.endswith("]"):
            base, sub = k[:-1].split("[", 1)
            if sub == "" or sub.isdigit():
                seq = out.setdefault(base, [])
                if isinstance(seq, list):
                    seq.append(v)
                continue
            d = out.setdefault(base, {})
            if isinstance(d, dict):
                d[sub] = v
            continue
        out[k] = v
    return out


async def read_params(request: web.Request, limit: int, api: str) -> dict[str, Any]:
    if request.method != "POST":
        return {}  # v2's getParams: only POST bodies count
    raw = await request.read()
    if len(raw) > limit:
        raise BadBody(express_413() if api == "v1" else _next_413())
    if not raw:
        return {}
    ctype = request.content_type
    if ctype == "application/json":
        try:
            value = json.loads(raw)
        except ValueError as err:
            if api == "v1":
                raise BadBody(Reply(400, f"SyntaxError: {err}".encode(), "text/html")) from None
            raise BadBody(Reply(400, b"Invalid JSON", "text/plain")) from None
        return value if isinstance(value, dict) else {}
    if ctype == "application/x-www-form-urlencoded":
        return parse_form(raw)
    return {}


def _next_413() -> Reply:
    return Reply(413, b"Body exceeded 1mb limit", "text/plain")


def _reset(request: web.Request) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing proxy would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def to_response(reply: Reply) -> web.Response:
    resp = web.Response(status=reply.status, body=reply.body, content_type=reply.content_type)
    for name, value in reply.headers:
        resp.headers[name] = value
    return resp


async def serve(
    ctx: Context, request: web.Request, api: str, endpoint: str, limit: int, run: Runner
) -> web.StreamResponse:
    faults = ctx.faults
    fault = faults.take(endpoint) if (faults._scripted or faults._random) else None
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    header = request.headers.get("Authorization")
    key: str | AuthHeaderError | None
    try:
        key = parse_authorization(header)
    except AuthHeaderError as err:
        key = err
    fp = ctx.fingerprint(key) if isinstance(key, str) else None
    if fault is not None and fault.kind is FaultKind.RESET_BEFORE_BODY:
        ctx.requests.record(
            RecordedRequest(request.method, request.path, endpoint, None, fp, fault.name)
        )
        _reset(request)
        return web.Response(status=500)
    try:
        params = await read_params(request, limit, api)
    except BadBody as bad:
        ctx.requests.record(RecordedRequest(request.method, request.path, endpoint, None, fp, None))
        return to_response(bad.reply)
    if api.startswith("conat") and fault is None:
        name = params.get("name")
        if isinstance(name, str) and (faults._scripted or faults._random):
            fault = faults.take(f"{endpoint}/{name}")
    ctx.requests.record(
        RecordedRequest(
            request.method, request.path, endpoint, mask(params), fp, fault.name if fault else None
        )
    )
    if fault is None:
        return to_response(await run(params, key))
    return await _apply(fault, request, api, endpoint, params, key, run)


async def _apply(
    fault: Fault,
    request: web.Request,
    api: str,
    endpoint: str,
    params: dict[str, Any],
    key: str | AuthHeaderError | None,
    run: Runner,
) -> web.StreamResponse:
    kind = fault.kind
    if kind is FaultKind.SLOW:
        await asyncio.sleep(fault.delay)
    reply: Reply | None = None
    if fault.executes:
        reply = await run(params, key)
    if kind in (FaultKind.RESET_AFTER_BODY, FaultKind.RESET_AFTER_HANDLER):
        _reset(request)
        return web.Response(status=500)
    if kind is FaultKind.RESET_MID_RESPONSE:
        reply = reply or await run(params, key)
        stream = web.StreamResponse(status=reply.status)
        stream.content_type = reply.content_type
        stream.content_length = len(reply.body)
        await stream.prepare(request)
        await stream.write(reply.body[: max(1, len(reply.body) // 2)])
        _reset(request)
        return stream
    if kind is FaultKind.SLOW:
        return to_response(reply or await run(params, key))
    if kind is FaultKind.TRUNCATED_JSON:
        reply = reply or await run(params, key)
        cut = reply.body[: max(1, len(reply.body) // 2)]
        return to_response(Reply(200, cut, "application/json"))
    return to_response(_canned(fault, api, endpoint, params))


_PAGES = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


def _canned(fault: Fault, api: str, endpoint: str, params: dict[str, Any]) -> Reply:
    kind = fault.kind
    retry = () if fault.retry_after is None else (("Retry-After", f"{fault.retry_after:g}"),)
    if kind in (FaultKind.HTTP_502, FaultKind.HTTP_503, FaultKind.HTTP_504):
        status = int(kind.value[-3:])
        return html(status, _PAGES[status])._replace(headers=retry)
    if kind is FaultKind.HTTP_429:
        after = fault.retry_after if fault.retry_after is not None else 1
        return html(429, "Too Many Requests")._replace(headers=(("Retry-After", f"{after:g}"),))
    if kind is FaultKind.HTTP_413:
        return express_413()
    if kind is FaultKind.HTTP_500:
        return compact({"error": fault.message}, 500)
    if kind is FaultKind.NON_JSON:
        return Reply(200, b"<html><body>Welcome to CoCalc</body></html>", "text/html")
    if kind is FaultKind.ERROR_200:
        if api == "v1":
            return pretty({"event": "error", "id": params.get("id"), "error": fault.message})
        return compact({"error": fault.message})
    if kind is FaultKind.THROTTLE:
        msg = "too many requests to {}; try again in 1 second (rule: at most 3 requests per second)"
        return compact({"error": msg.format(endpoint.split("/", 1)[-1])})
    return Reply(fault.status, fault.body.encode(), fault.content_type, retry)
