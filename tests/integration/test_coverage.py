"""The count: every endpoint the emulator implements has exactly one integration case."""

from __future__ import annotations

from cocalc_async.spec import ENDPOINTS

from . import (
    test_conat,
    test_conat_all,
    test_v1,
    test_v2_accounts,
    test_v2_misc,
    test_v2_projects,
    test_v2_today,
)
from .harness import CASES, implemented

FAMILIES = (
    test_v1,
    test_v2_projects,
    test_v2_accounts,
    test_v2_misc,
    test_conat,
    test_conat_all,
    test_v2_today,
)

#: The 28 endpoints of the v1 seed document, six of them removed in 2019.
SEED_V1 = {e.path for e in ENDPOINTS if e.api == "v1" and e.in_seed_doc}


def test_the_implemented_list_is_not_trivial() -> None:
    listed = implemented()
    assert len(SEED_V1) == 28
    assert {("v1", e) for e in SEED_V1} <= listed
    assert sum(1 for api, _ in listed if api == "v2") >= 30
    assert sum(1 for api, _ in listed if api == "conat/hub") >= 15
    assert sum(1 for api, _ in listed if api == "conat/project") >= 6


def test_every_implemented_endpoint_has_a_case() -> None:
    assert FAMILIES  # the case modules are imported, so CASES is complete
    listed = implemented()
    missing = sorted(listed - set(CASES))
    extra = sorted(set(CASES) - listed)
    assert (missing, extra) == ([], [])
    assert len(CASES) == len(listed)


def test_every_implemented_endpoint_has_a_generated_coroutine() -> None:
    spec = {e.key for e in ENDPOINTS}
    assert implemented() - spec == set()
