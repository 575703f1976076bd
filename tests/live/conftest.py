"""The live suite: the README's features against a real CoCalc hub.

Opt in with ``COCALC_LIVE_URL`` (the hub's root URL) and ``COCALC_LIVE_KEY`` (an account API key);
``COCALC_LIVE_PROJECT_ID`` names a project of that account to work in (otherwise one is created
and deleted again). Without the two variables every test here is skipped, with that reason.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from cocalc_async import Client

URL = os.environ.get("COCALC_LIVE_URL", "")
KEY = os.environ.get("COCALC_LIVE_KEY", "")
SKIP_REASON = "set COCALC_LIVE_URL and COCALC_LIVE_KEY to run the live suite against a real hub"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.live)
            if not (URL and KEY):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture
async def live() -> AsyncIterator[Client]:
    async with Client(KEY, base_url=URL, request_timeout=120) as client:
        yield client


@pytest.fixture
async def project(live: Client) -> AsyncIterator[str]:
    given = os.environ.get("COCALC_LIVE_PROJECT_ID")
    if given:
        yield given
        return
    created = await live.v2.projects.create(title="cocalc_async live suite")
    try:
        await live.v2.projects.start(project_id=created.project_id)
        yield created.project_id
    finally:
        await live.v2.projects.delete(project_id=created.project_id)
