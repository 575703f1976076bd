"""``client.query``: get/set over v1 ``query`` and v2 ``user-query``, with a fake caller and the
emulator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cocalc_async import Client
from cocalc_async._types import Json
from cocalc_async.errors import ResponseValidationError
from cocalc_async.query import Query

UUID = "6c28c5f4-3235-46be-b025-166b4dcaac7e"


class Recorder:
    """Stands in for ``Client.call``: records each call and answers with a canned body."""

    def __init__(self, answer: Json) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any], bool | None]] = []

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
        self.calls.append((api, path, dict(params or {}), idempotent))
        return self.answer


async def test_get_sends_the_tutorial_query_and_returns_the_record() -> None:
    answer: Json = {
        "event": "query",
        "query": {"accounts": {"account_id": UUID, "email_address": "a@b"}},
    }
    rec = Recorder(answer)
    record = await Query(rec, api="v1").get("accounts", account_id=None, email_address=None)
    assert record == {"account_id": UUID, "email_address": "a@b"}
    assert rec.calls == [
        (
            "v1",
            "query",
            # Only what was given: the server's own multi_response default applies.
            {"query": {"accounts": {"account_id": None, "email_address": None}}},
            False,
        )
    ]


async def test_the_default_is_v2_user_query() -> None:
    rec = Recorder({"query": {"accounts": {"account_id": UUID}}})
    assert await Query(rec).get("accounts", account_id=None) == {"account_id": UUID}
    assert rec.calls[0][:3] == ("v2", "user-query", {"query": {"accounts": {"account_id": None}}})


async def test_conat_sends_db_user_query_and_reads_the_bare_answer() -> None:
    rec = Recorder({"projects": {"project_id": UUID, "title": "T"}})
    record = await Query(rec).via("conat").get("projects", project_id=UUID, title=None)
    assert record == {"project_id": UUID, "title": "T"}
    assert rec.calls[0][:3] == (
        "conat/hub",
        "db.userQuery",
        {"args": [{"query": {"projects": {"project_id": UUID, "title": None}}}]},
    )


async def test_v2_sends_user_query() -> None:
    rec = Recorder({"query": {"projects": {"project_id": UUID, "title": "T"}}})
    record = await Query(rec).via("v2").get("projects", project_id=UUID, title=None)
    assert record["title"] == "T"
    assert [(api, path, params) for api, path, params, _ in rec.calls] == [
        ("v2", "user-query", {"query": {"projects": {"project_id": UUID, "title": None}}})
    ]


async def test_set_sends_the_values() -> None:
    rec = Recorder({"event": "query", "query": {}})
    await Query(rec, api="v2").set("projects", project_id=UUID, title="New")
    assert rec.calls[0][:3] == (
        "v2",
        "user-query",
        {"query": {"projects": {"project_id": UUID, "title": "New"}}},
    )


async def test_get_all_sends_a_list_and_returns_records() -> None:
    rows: list[Json] = [{"project_id": UUID, "title": "a"}, {"project_id": UUID, "title": "b"}]
    rec = Recorder({"event": "query", "query": {"projects": rows}})
    assert await Query(rec).get_all("projects", project_id=None, title=None) == rows
    assert rec.calls[0][2]["query"] == {"projects": [{"project_id": None, "title": None}]}


@pytest.mark.parametrize(
    ("method", "table", "fields", "match"),
    [
        ("set", "projects", {"project_id": UUID, "title": None}, "cannot write None"),
        ("get", "projects", {"project_id": UUID, "title": "x"}, "at least one field set to None"),
        ("get", "Projects; drop", {"title": None}, "table must be"),
        ("get", "projects", {}, "at least one field"),
        ("get", "projects", {"project_id": "not-a-uuid", "title": None}, "project_id must be"),
        ("set", "projects", {"Title": "x", "project_id": UUID}, "field names"),
    ],
)
async def test_bad_queries_are_refused_before_sending(
    method: str, table: str, fields: dict[str, Json], match: str
) -> None:
    rec = Recorder(None)
    with pytest.raises(ValueError, match=match):
        await getattr(Query(rec), method)(table, **fields)
    assert rec.calls == []


def test_unknown_api_is_refused() -> None:
    with pytest.raises(ValueError, match="'v2', 'conat' or 'v1'"):
        Query(Recorder(None), api="v3")  # type: ignore[arg-type]


async def test_an_answer_without_the_record_is_a_validation_error() -> None:
    rec = Recorder({"event": "query", "query": {"projects": [1, 2]}})
    with pytest.raises(ResponseValidationError) as info:
        await Query(rec).get("projects", project_id=UUID, title=None)
    assert info.value.path == "$.query.projects"


async def test_client_query_is_one_cached_helper() -> None:
    async with Client(api_key="sk_test", base_url="http://127.0.0.1:9") as client:
        assert client.query is client.query
        assert client.query.api == "v2"


def _emulator() -> Any:
    try:
        from cocalc_async.testing import Emulator
    except ImportError:  # another issue ships the emulator; skip until it is in the tree
        pytest.skip("cocalc_async.testing.Emulator is not available")
    return Emulator


@pytest.mark.parametrize("api", ["v1", "v2", "conat"])
async def test_get_and_set_against_the_emulator(api: str) -> None:
    emulator = _emulator()
    # Today's emulator serves v1 only when asked, as a hub from before its removal did.
    async with emulator(v1=True) if api == "v1" else emulator() as emu:
        pid = emu.create_project(title="Old", description="d")
        async with Client(api_key=emu.api_key, base_url=emu.url) as client:
            q = client.query.via(api)  # type: ignore[arg-type]
            me = await q.get("accounts", account_id=None, email_address=None)
            assert me["account_id"] == emu.account_id
            assert isinstance(me["email_address"], str)
            await q.set("projects", project_id=pid, title="New title")
            project = await q.get("projects", project_id=pid, title=None, description=None)
            assert project == {"project_id": pid, "title": "New title", "description": "d"}
