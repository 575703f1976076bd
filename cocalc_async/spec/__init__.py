"""The endpoint spec: one declarative :class:`Endpoint` per CoCalc endpoint. Data only.

``ENDPOINTS`` holds every endpoint of every API; ``find(api, path)`` looks one up. The emulator
(``cocalc_async.testing``) uses ``find("v1", event)`` for strict parameter checking, and the code
generator turns the whole tuple into ``cocalc_async._generated``.
"""

from __future__ import annotations

from . import conat, v1, v2_accounts, v2_billing, v2_compute, v2_misc, v2_projects
from ._model import ArgsStyle, Endpoint, FailureShape, HttpMethod, Param, SpecApi, Status

__all__ = [
    "API_METHODS",
    "ENDPOINTS",
    "ArgsStyle",
    "Endpoint",
    "FailureShape",
    "HttpMethod",
    "Param",
    "SpecApi",
    "Status",
    "find",
]

#: The HTTP method of every endpoint of each API, generated into ``policy.HTTP_METHODS``.
#: v2 and both conat bridges read their parameters through ``getParams``, which returns the body
#: of a POST and nothing for any other method, "for security reasons"
#: (src/packages/next/lib/api/get-params.ts:3-17 @5cb3315c30; the bridges call it at
#: next/pages/api/conat/hub.ts:32 and project.ts:38). v1 (the hubs before 2025-05-29) took the
#: event in the path and its fields as a POST's JSON body.
API_METHODS: dict[SpecApi, HttpMethod] = {
    "v1": "POST",
    "v2": "POST",
    "conat/hub": "POST",
    "conat/project": "POST",
}

ENDPOINTS: tuple[Endpoint, ...] = (
    *v1.ENDPOINTS,
    *v2_accounts.ENDPOINTS,
    *v2_projects.ENDPOINTS,
    *v2_misc.ENDPOINTS,
    *v2_compute.ENDPOINTS,
    *v2_billing.ENDPOINTS,
    *conat.ENDPOINTS,
)

_BY_KEY: dict[tuple[str, str], Endpoint] = {e.key: e for e in ENDPOINTS}


def find(api: str, path: str) -> Endpoint | None:
    """The endpoint ``path`` of ``api`` (``"v1"``, ``"v2"``, ``"conat/hub"``, ``"conat/project"``).

    ``path`` is the v1 event (``"ping"``), the v2 route without ``/api/v2/`` (``"projects/stop"``)
    or the conat method name (``"system.ping"``). A leading or trailing ``/`` is ignored.
    """
    return _BY_KEY.get((api, path.strip("/")))
