"""The integration harness: one registered case per endpoint the emulator implements.

Each case calls its endpoint through the generated coroutine (``client.v1.*``, ``client.v2.*``,
``client.conat.*``) against a fresh emulator and asserts the typed result or the typed error.
The list of implemented endpoints comes from the emulator's own handler tables, so a newly
implemented endpoint fails ``test_coverage`` until it gets a case here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from cocalc_async.client import Client
from cocalc_async.spec import ENDPOINTS
from cocalc_async.testing import Emulator

Api = Literal["v1", "v2", "conat/hub", "conat/project"]
Key = tuple[Api, str]


@dataclass
class Env:
    """What a case gets: a fresh emulator, a client for its instructor and one project."""

    emu: Emulator
    client: Client
    project_id: str
    _clients: list[Client] = field(default_factory=list)

    def client_for(self, api_key: str) -> Client:
        """Another client on the same emulator (closed with the environment)."""
        c = Client(api_key, base_url=self.emu.url, request_timeout=20, max_retries=0)
        self._clients.append(c)
        return c

    def other_account(self, first: str = "Grace", last: str = "Hopper") -> tuple[str, str]:
        email = f"{first.lower()}.{last.lower()}@example.com"
        return self.emu.create_account(first, last, email, "a-long-password-1")


Case = Callable[[Env], Awaitable[None]]
CASES: dict[Key, Case] = {}


def case(api: Api, path: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert (api, path) not in CASES, f"two cases for {api} {path}"
        CASES[(api, path)] = fn
        return fn

    return register


def family(api: Api, prefixes: tuple[str, ...] = ("",)) -> list[Key]:
    return sorted(k for k in CASES if k[0] == api and k[1].startswith(prefixes))


#: v1 events the emulator answers (with a 400) that the SDK has no coroutine for: the 2021 server
#: had no working endpoint behind them (revoke_auth_token sits in a comment block,
#: jupyter_start_pool has no handler).
V1_WITHOUT_COROUTINE = frozenset({"revoke_auth_token", "jupyter_start_pool"})


def implemented() -> set[Key]:
    """Every endpoint the emulator serves, read from its route and handler tables."""
    from cocalc_async.testing import conat, v1, v2, v2_accounts, v2_projects  # noqa: F401
    from cocalc_async.testing.v1_handlers import HANDLERS

    # the SDK's v1 events that the emulator refuses as "not part of the HTTP API" count too
    refused = {e.path for e in ENDPOINTS if e.api == "v1" and v1.not_http(e.path)}
    v1_events = (set(HANDLERS) | refused | v1.NO_HANDLER) - V1_WITHOUT_COROUTINE
    keys: set[Key] = {("v1", e) for e in v1_events}
    keys |= {("v2", p) for p in v2.ROUTES}
    keys |= {("conat/hub", n) for n in conat.HUB}
    keys |= {("conat/project", n) for n in conat.PROJECT}
    return keys


def wire_calls(emu: Emulator, key: Key) -> int:
    """How many requests for ``key`` reached the emulator (conat: by the body's ``name``)."""
    api, path = key
    if api.startswith("conat/"):
        return sum(
            1
            for r in emu.requests.for_endpoint(api)
            if isinstance(r.body, dict) and r.body.get("name") == path
        )
    return emu.requests.count(f"{api}/{path}")


@contextlib.asynccontextmanager
async def environment(*, v1: bool = False) -> AsyncIterator[Env]:
    """An emulator of today's hub, or with ``v1`` one that also serves the removed API v1."""
    async with contextlib.AsyncExitStack() as stack:
        emu = await stack.enter_async_context(Emulator(copy_delay=0.2, v1=v1))
        client = Client(emu.api_key, base_url=emu.url, request_timeout=20, max_retries=0)
        env = Env(emu, client, emu.create_project(title="Integration"), [client])
        try:
            yield env
        finally:
            for c in env._clients:
                await c.close()


async def run(key: Key) -> None:
    """Run the case for ``key`` and check that it really reached the endpoint on the wire."""
    async with environment(v1=key[0] == "v1") as env:
        await CASES[key](env)
        assert wire_calls(env.emu, key) >= 1, f"the case for {key} never called it"
