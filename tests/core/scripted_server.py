"""A real aiohttp server on 127.0.0.1 whose answers a test scripts one by one.

Each path has a queue of actions; when the queue is empty the default answer is a pong. The
server records what it received and the peak number of open connections.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

Action = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    path: str
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ScriptedServer:
    runner: web.AppRunner | None = None
    url: str = ""
    script: dict[str, deque[Action]] = field(default_factory=lambda: defaultdict(deque))
    received: list[Received] = field(default_factory=list)
    peak_connections: int = 0
    handler_delay: float = 0.0

    async def start(self) -> ScriptedServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def push(self, path: str, *actions: Action) -> None:
        self.script[path].extend(actions)

    def count(self, path: str) -> int:
        return sum(1 for r in self.received if r.path == path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        server = self.runner.server if self.runner is not None else None
        if server is not None:
            self.peak_connections = max(self.peak_connections, len(server.connections))
        body = await request.read()
        self.received.append(Received(request.path, CIMultiDict(request.headers), body))
        if self.handler_delay:
            await asyncio.sleep(self.handler_delay)
        queue = self.script.get(request.path)
        if queue:
            return await queue.popleft()(request)
        return web.json_response({"event": "pong", "now": "2026-11-22T10:00:00.000Z"})


# --- actions ---------------------------------------------------------------------------------


def reply(
    status: int = 200, body: Any = None, *, text: str | None = None, **headers: str
) -> Action:
    async def action(request: web.Request) -> web.StreamResponse:
        if text is not None:
            return web.Response(status=status, text=text, headers=headers, content_type="text/html")
        return web.json_response(body if body is not None else {}, status=status, headers=headers)

    return action


def html(status: int, title: str, **headers: str) -> Action:
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return reply(status, text=page, **headers)


def reset() -> Action:
    """Abort the connection (RST) after the body was read: the handler 'ran'."""

    async def action(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        transport.abort()
        return web.Response()

    return action


def sleep_then(seconds: float, then: Action | None = None) -> Action:
    async def action(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await (then or reply(200, {"event": "pong"}))(request)

    return action


def endless_body(chunk: bytes = b"x" * 65536) -> Action:
    """A chunked body that never ends (the client must cut it off)."""

    async def action(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        await response.prepare(request)
        try:
            for _ in range(100_000):  # bounded: about 6.5 GB at most, the client stops far earlier
                await response.write(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response

    return action


def redirect(location: str, status: int = 307) -> Action:
    async def action(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": location})

    return action
