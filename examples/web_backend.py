"""An aiohttp web app whose handlers share one Client, created on startup and closed on cleanup.

Run it, then ``curl localhost:8080/ping``. Run as a script without a server it drives itself
with 200 concurrent requests and exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from _env import connect
from aiohttp import ClientSession, web

from cocalc_async import Client

CLIENT: web.AppKey[Client] = web.AppKey("cocalc", Client)


async def cocalc_client(app: web.Application) -> AsyncIterator[None]:
    async with connect() as client:  # one pool for every request the app serves
        app[CLIENT] = client
        yield


async def ping(request: web.Request) -> web.Response:
    pong = await request.app[CLIENT].conat.hub.system.ping()
    return web.json_response({"cocalc_time": str(pong.now)})


def make_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(cocalc_client)
    app.router.add_get("/ping", ping)
    return app


async def self_test(requests: int = 200) -> None:
    runner = web.AppRunner(make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with ClientSession() as http:

            async def one() -> int:
                async with http.get(f"http://127.0.0.1:{port}/ping") as resp:
                    return resp.status

            statuses = await asyncio.gather(*(one() for _ in range(requests)))
        print(f"{statuses.count(200)} of {requests} concurrent requests answered")
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(self_test())
