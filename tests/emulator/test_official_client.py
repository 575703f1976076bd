"""The official ``cocalc-api`` client (sync httpx, the conat bridges) against the emulator.

Users move between that client and this SDK, and test both against the emulator; its own calls,
sent exactly as it sends them, must keep working. ``scripts/check`` installs ``cocalc-api``
(without its MCP extras, which these modules never import), so CI always runs this file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cocalc_async.testing.threaded import ThreadedEmulator

try:
    import cocalc_api
except ImportError:  # CI installs it (scripts/check), so there a missing client is a failure
    if os.environ.get("CI"):
        raise
    pytest.skip(
        "the official client is not installed (scripts/check installs it)", allow_module_level=True
    )


@pytest.fixture
def emu() -> Iterator[Any]:
    with ThreadedEmulator() as emulator:
        yield emulator


@pytest.fixture
def official(emu: Any) -> Iterator[Callable[..., Any]]:
    """Makes official clients (``Hub`` by default) and closes their httpx pools afterwards."""
    made: list[Any] = []

    def make(kind: str = "Hub", key: str | None = None, **kwargs: Any) -> Any:
        client = getattr(cocalc_api, kind)(api_key=key or emu.api_key, host=emu.url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.client.close()


def test_hub_system_calls(emu: Any, official: Callable[..., Any]) -> None:
    hub = official()
    now_ms = time.time() * 1000
    assert abs(hub.system.ping()["now"] - now_ms) < 60_000
    assert hub.system.test()["account_id"] == emu.account_id
    other, _ = emu.create_account("Ada", "Lovelace", "ada@example.org", "a long pass phrase")
    names = hub.system.get_names([other])
    assert names[other]["first_name"] == "Ada"
    hits = hub.system.user_search("ada@example.org")
    assert [h["account_id"] for h in hits] == [other]


def test_hub_project_life(emu: Any, official: Callable[..., Any]) -> None:
    hub = official()
    project_id = hub.projects.create_project(title="from the official client")
    assert isinstance(project_id, str)
    assert len(project_id) == 36
    listed = hub.projects.get(project_id=project_id)
    assert [p["project_id"] for p in listed] == [project_id]
    assert listed[0]["title"] == "from the official client"

    other, _ = emu.create_account("Bo", "B", "bo@example.org", "another long pass phrase")
    added = hub.projects.add_collaborator(project_id=project_id, account_id=other)
    assert added == {"project_id": [project_id]}  # the real hub's answer
    assert other in hub.projects.get(project_id=project_id, fields=["users"])[0]["users"]
    hub.projects.remove_collaborator(project_id=project_id, account_id=other)
    assert other not in hub.projects.get(project_id=project_id, fields=["users"])[0]["users"]

    hub.projects.start(project_id)
    assert hub.projects.state(project_id)["state"] == "running"
    hub.projects.touch(project_id)
    hub.projects.stop(project_id)
    assert hub.projects.state(project_id)["state"] != "running"
    hub.projects.delete(project_id)
    assert hub.projects.get(project_id=project_id, fields=["deleted"])[0]["deleted"] is True


def test_copy_and_project_bridge(emu: Any, official: Callable[..., Any]) -> None:
    hub = official()
    src = hub.projects.create_project(title="src")
    dst = hub.projects.create_project(title="dst")
    (emu.project_dir(src) / "hw1.txt").write_text("question 1\n", encoding="utf-8")
    hub.projects.copy_path_between_projects(
        src_project_id=src, src_path="hw1.txt", target_project_id=dst
    )
    assert (emu.project_dir(dst) / "hw1.txt").read_text(encoding="utf-8") == "question 1\n"

    project = official("Project", project_id=dst)
    assert "now" in project.system.ping()
    out = project.system.exec(command="cat", args=["hw1.txt"])
    assert out["stdout"] == "question 1\n"
    assert out["exit_code"] == 0


def test_errors_reach_the_official_client_as_its_runtime_errors(
    official: Callable[..., Any],
) -> None:
    with pytest.raises(RuntimeError, match="must be signed in"):
        official(key="sk-" + "x" * 21).system.test()
    with pytest.raises(RuntimeError, match=r"unknown function 'system\.noSuchFunction'"):
        official().call("system.noSuchFunction", [])


def test_db_query_and_messages(emu: Any, official: Callable[..., Any]) -> None:
    hub = official()
    me = hub.db.query({"accounts": {"account_id": None, "email_address": None}})
    assert me["accounts"]["account_id"] == emu.account_id
    other, _ = emu.create_account("Cy", "C", "cy@example.org", "yet another long phrase")
    message_id = hub.messages.send(subject="hello", body="world", to_ids=[other])
    assert isinstance(message_id, int)
