"""The endpoint spec: one declarative :class:`Endpoint` per CoCalc endpoint. Data only.

``ENDPOINTS`` holds every endpoint of every API; ``find(api, path)`` looks one up. The emulator
(``cocalc_async.testing``) uses ``find("v1", event)`` for strict parameter checking, and the code
generator turns the whole tuple into ``cocalc_async._generated``.
"""

from __future__ import annotations

from . import conat, v1, v2_accounts, v2_billing, v2_compute, v2_misc, v2_projects
from ._model import ArgsStyle, Endpoint, FailureShape, Param, SpecApi, Status

__all__ = [
    "ENDPOINTS",
    "ArgsStyle",
    "Endpoint",
    "FailureShape",
    "Param",
    "SpecApi",
    "Status",
    "find",
]

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
