"""Every method name of the official ``cocalc-api`` client (0.5.1) exists on ``client.conat``.

The names are the official client's ``Hub``/``Project`` methods. ``hub.projects.get`` is left out: it is not an
RPC but a client-side filter over ``db.userQuery`` (use ``client.query.get_all("projects", ...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cocalc_async._generated.conat import Conat
from cocalc_async._types import Json

OFFICIAL_HUB = {
    "system": ["ping", "test", "get_names", "user_search"],
    "db": ["query"],
    "projects": [
        "copy_path_between_projects",
        "create_project",
        "add_collaborator",
        "remove_collaborator",
        "start",
        "stop",
        "delete",
        "touch",
        "state",
        "status",
    ],
    "jupyter": ["kernels", "execute"],
    "sync": ["history"],
    "messages": ["send", "get"],
    "org": [
        "get_all",
        "create",
        "get",
        "set",
        "add_admin",
        "add_user",
        "create_user",
        "create_token",
        "expire_token",
        "get_users",
        "remove_user",
        "remove_admin",
        "message",
    ],
}
OFFICIAL_PROJECT = {
    "system": [
        "ping",
        "test",
        "exec",
        "jupyter_execute",
        "list_jupyter_kernels",
        "stop_jupyter_kernel",
    ]
}
UUID = "6c28c5f4-3235-46be-b025-166b4dcaac7e"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Json:
        self.calls.append((api, path, dict(params or {})))
        return {}


def _names(side: str, table: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    return [(side, group, name) for group, names in table.items() for name in names]


@pytest.mark.parametrize(
    ("side", "group", "name"), _names("hub", OFFICIAL_HUB) + _names("project", OFFICIAL_PROJECT)
)
def test_official_name_exists(side: str, group: str, name: str) -> None:
    namespace = getattr(getattr(Conat(Recorder()), side), group)
    assert callable(getattr(namespace, name, None)), f"{side}.{group}.{name} is missing"


async def test_aliases_send_the_same_rpc_as_our_names() -> None:
    rec = Recorder()
    hub = Conat(rec).hub
    await hub.projects.delete(project_id=UUID)
    await hub.projects.delete_project(project_id=UUID)
    await hub.db.query(query={"accounts": {"account_id": None}})
    await hub.db.user_query(query={"accounts": {"account_id": None}})
    assert [path for _, path, _ in rec.calls] == [
        "projects.deleteProject",
        "projects.deleteProject",
        "db.userQuery",
        "db.userQuery",
    ]
    assert rec.calls[0] == rec.calls[1]
    assert rec.calls[2] == rec.calls[3]
