"""``client.doctor()`` and ``cocalc-async doctor``: is this server and this key usable, and if not,
what to change.

Every probe is cheap and changes nothing on the server:

* v2: ``POST /api/v2/accounts/profile`` with ``{}`` (the caller's own profile; without a valid
  account key the answer is an error in the body, which still shows that v2 is served).
* conat: the hub bridge's ``system.ping``, then ``system.test``, which names the account the key
  belongs to. The hub bridge refuses project keys ("must be signed in and MUST provide an api
  key", ``src/packages/next/pages/api/conat/hub.ts`` @5cb3315c30); the project bridge's
  ``system.test`` without a ``project_id`` then tells whether it is a project key (that bridge
  takes the project from such a key, ``next/pages/api/conat/project.ts``).
* v1: ``POST /api/v1/ping``. A hub built after 2025-05-29 answers its HTML 404 page: that is
  expected and not a problem.
* the clock: the server's ``now`` against the midpoint of the local send and receive times.
* latency: the median round trip of three pings.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from .errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    CoCalcError,
    InvalidParametersError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    UnknownEndpointError,
)

if TYPE_CHECKING:
    from ._generated.conat import Conat
    from ._generated.v1 import V1
    from ._generated.v2 import V2
    from .models.misc import ConatPong

__all__ = [
    "MAX_CLOCK_OFFSET_S",
    "Check",
    "DoctorReport",
    "Identity",
    "Probed",
    "diagnose",
    "identify",
]


class Probed(Protocol):
    """What the doctor needs of a client (``Client`` has it): the server, whether a key is
    sent, and the generated namespaces it probes through."""

    @property
    def base_url(self) -> str: ...

    @property
    def has_key(self) -> bool: ...

    @property
    def v1(self) -> V1: ...

    @property
    def v2(self) -> V2: ...

    @property
    def conat(self) -> Conat: ...


#: A larger difference between the local and the server's clock is reported as a problem:
#: expiry times (auth tokens, API keys) and "last active" times are then off by as much.
MAX_CLOCK_OFFSET_S = 10.0
#: Seconds a ping may take.
PROBE_TIMEOUT_S = 15.0
#: Seconds the v1 and v2 route probes may take: a development-mode hub compiles a route (or its
#: 404 page) on its first request, which took 39 s for the 404 page on a recorded hub and more
#: than 15 s for v2 accounts/profile on another.
ROUTE_PROBE_TIMEOUT_S = 60.0
PINGS = 3

KeyKind = Literal["account", "project"]


@attrs.frozen
class Identity:
    """Whom a key speaks for: an account key has ``account_id``, a project key ``project_id``."""

    kind: KeyKind
    account_id: str | None = None
    project_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()


@attrs.frozen
class Check:
    """One finding: ``ok`` is false when something must change, and ``advice`` says what."""

    name: str
    ok: bool
    detail: str
    advice: str = ""


@attrs.frozen
class DoctorReport:
    """What :func:`diagnose` found. ``ok`` holds when every check passed."""

    base_url: str
    #: For ``"v1"``, ``"v2"`` and ``"conat"``: served (True), not served (False), unknown (None).
    served: dict[str, bool | None]
    key_given: bool
    identity: Identity | None
    #: Server clock minus local clock, in seconds (positive: the server is ahead).
    clock_offset_s: float | None
    #: Median round trip of a ping, in milliseconds.
    latency_ms: float | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def key_valid(self) -> bool | None:
        """True for an accepted key, False for a refused one, None when no key was given."""
        if not self.key_given:
            return None
        return self.identity is not None

    def render(self) -> str:
        """The report for a person: one line per check, advice under each failed one."""
        lines = [f"cocalc-async doctor: {self.base_url}"]
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name:<8} {c.detail}")
            if c.advice:
                lines.append(f"       -> {c.advice}")
        verdict = "everything works" if self.ok else "something needs to change (see FAIL above)"
        lines.append(f"  {verdict}")
        return "\n".join(lines)


#: How the project bridge says no to a key: any error in a 2xx body, or one of these kinds as a
#: status.
_REFUSALS = (
    APIResponseError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    InvalidParametersError,
    UnknownEndpointError,
    RateLimitError,
)


async def identify(client: Probed) -> Identity:
    """Whom ``client``'s key belongs to: the conat ``system.test`` of the hub bridge, else the
    project bridge's (a project key), with the account's name when there is one.

    Raises :class:`AuthenticationError` when neither bridge accepts the key.
    """
    try:
        me = await client.conat.hub.system.test()
    except AuthenticationError as hub_refusal:
        try:
            # No project_id: that bridge takes the project from a project key.
            found = await client.conat.project.system.test(None)
        except (*_REFUSALS, ResponseValidationError):
            raise hub_refusal from None
        project_id = found.project_id
        if not isinstance(project_id, str):
            raise hub_refusal from None
        return Identity(kind="project", project_id=project_id)
    if me.account_id is None:
        return Identity(kind="project", project_id=me.project_id)
    first = last = None
    try:
        names = await client.conat.hub.system.get_names(account_ids=[me.account_id])
    except _REFUSALS:
        names = {}  # the name is a nicety; the key is known to work
    entry = names.get(me.account_id)
    if entry is not None:
        first, last = entry.first_name, entry.last_name
    return Identity(kind="account", account_id=me.account_id, first_name=first, last_name=last)


async def _served(probe: Callable[[], Awaitable[object]]) -> bool | None:
    """Whether the route ``probe`` calls is served: any answer from it says yes."""
    try:
        await probe()
    except ResponseValidationError:
        return True  # a 2xx answer that does not fit the model: still the route answered
    except APIStatusError as err:
        return False if err.status_code == 404 else None
    except APIResponseError:
        return True  # an error in a 2xx body: the route exists
    except CoCalcError:
        return None  # no answer (connection, timeout): cannot tell
    return True


async def _ping(client: Probed, bridge: Literal["hub", "project"]) -> tuple[float, float]:
    """One ping: (round trip in s, server clock minus local clock in s). An answer without
    the server's time is a ResponseValidationError."""
    sent_wall, sent = time.time(), time.perf_counter()
    pong: ConatPong
    if bridge == "hub":
        pong = await client.conat.hub.system.ping(request_timeout=PROBE_TIMEOUT_S, max_retries=0)
    else:
        pong = await client.conat.project.system.ping(
            None, request_timeout=PROBE_TIMEOUT_S, max_retries=0
        )
    rtt = time.perf_counter() - sent
    return rtt, pong.now.timestamp() - (sent_wall + rtt / 2)


async def diagnose(client: Probed) -> DoctorReport:
    """Probe ``client``'s server and key; see the module docstring for what is sent."""
    checks: list[Check] = []
    route_s = ROUTE_PROBE_TIMEOUT_S
    v1, v2 = await asyncio.gather(
        _served(lambda: client.v1.ping(request_timeout=route_s, max_retries=0)),
        _served(lambda: client.v2.accounts.profile(request_timeout=route_s, max_retries=0)),
    )
    conat: bool | None = None
    identity: Identity | None = None
    key_error = ""
    connect_error = ""
    try:
        identity = await identify(client)
        conat = True
    except AuthenticationError as err:
        conat, key_error = True, err.message
    except APIStatusError as err:
        conat = False if err.status_code == 404 else None
        key_error = err.message
    except APIConnectionError as err:
        connect_error = str(err)
    except CoCalcError as err:
        key_error = str(err)

    served = {"v1": v1, "v2": v2, "conat": conat}
    if connect_error and v2 is None:
        checks.append(
            Check(
                "server",
                False,
                f"no answer: {connect_error}",
                "check the URL (--url / COCALC_URL) and that the server is up and reachable",
            )
        )
    checks.append(_api_check("v2", v2, v1))
    checks.append(_api_check("conat", conat, v1))
    checks.append(
        Check(
            "v1",
            True,
            {
                True: "served (a hub built before CoCalc removed API v1 on 2025-05-29)",
                False: "not served (expected: CoCalc removed API v1 on 2025-05-29)",
                None: "unknown (no answer)",
            }[v1],
        )
    )
    if connect_error and identity is None:
        checks.append(Check("key", False, "not checked: the server did not answer"))
    else:
        checks.append(_key_check(client, identity, key_error, conat))

    latency_ms = offset = None
    if identity is not None:
        bridge: Literal["hub", "project"] = "hub" if identity.kind == "account" else "project"
        try:
            samples = [await _ping(client, bridge) for _ in range(PINGS)]
        except CoCalcError as err:
            checks.append(Check("clock", False, f"system.ping failed: {err}"))
        else:
            best = min(samples)  # the shortest round trip bounds the clock error best
            offset = best[1]
            latency_ms = statistics.median(s[0] for s in samples) * 1000
            checks.append(_clock_check(offset, best[0]))
            checks.append(Check("latency", True, f"{latency_ms:.0f} ms per round trip (median)"))
    return DoctorReport(
        base_url=client.base_url,
        served=served,
        key_given=client.has_key,
        identity=identity,
        clock_offset_s=offset,
        latency_ms=latency_ms,
        checks=tuple(checks),
    )


def _api_check(name: str, served: bool | None, v1: bool | None) -> Check:
    route = "/api/v2/*" if name == "v2" else "the conat bridge /api/conat/*"
    if served:
        return Check(name, True, "served")
    if served is None:
        return Check(name, False, f"unknown: {route} did not answer", "see the server line")
    if v1:
        advice = (
            "this hub predates v2 and conat and serves only the legacy v1 API: use client.v1 "
            "(every other feature needs a hub built after 2025-05-29)"
        )
    else:
        advice = (
            "is the URL the hub's root (e.g. https://cocalc.com, without /api or a project "
            "path)? a CoCalc hub built from current source serves it"
        )
    return Check(name, False, f"not served: {route} answers 404", advice)


def _key_check(client: Probed, identity: Identity | None, error: str, conat: bool | None) -> Check:
    if identity is not None:
        if identity.kind == "account":
            who = f"account {identity.account_id}"
            if identity.name:
                who += f" ({identity.name})"
            return Check("key", True, f"valid: an account key of {who}")
        return Check(
            "key",
            True,
            f"valid: a project key of project {identity.project_id}",
            "",
        )
    if not client.has_key:
        return Check(
            "key",
            False,
            "no API key given",
            "set COCALC_API_KEY, or COCALC_API_KEY_FILE to a file with an 'api_key: sk_...' line",
        )
    if conat is False:
        return Check("key", False, "not checked: the server has no conat bridge", "")
    return Check(
        "key",
        False,
        f"refused: {error}" if error else "refused",
        "create a key under Account settings -> API keys (or ask the server's admin) and set "
        "COCALC_API_KEY to it; keys are sk_ followed by letters and digits",
    )


def _clock_check(offset: float, rtt: float) -> Check:
    ahead = "ahead of" if offset > 0 else "behind"
    detail = f"the server's clock is {abs(offset):.1f} s {ahead} yours (+/- {rtt / 2:.2f} s)"
    if abs(offset) <= MAX_CLOCK_OFFSET_S:
        return Check("clock", True, detail)
    return Check(
        "clock",
        False,
        detail,
        f"more than {MAX_CLOCK_OFFSET_S:g} s apart: synchronise this machine's clock "
        "(e.g. `timedatectl set-ntp true`, or chrony/ntpd), or tell the server's admin",
    )
