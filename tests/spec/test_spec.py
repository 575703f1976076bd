"""The spec's coverage, its seed examples, and that _generated/ is up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cocalc_async._convert import structure
from cocalc_async.codegen.__main__ import check
from cocalc_async.errors import ResponseValidationError
from cocalc_async.spec import ENDPOINTS, find

SEED_V1 = [
    "change_email_address",
    "change_password",
    "copy_path_between_projects",
    "copy_public_path_between_projects",
    "create_account",
    "create_project",
    "create_support_ticket",
    "delete_account",
    "forgot_password",
    "get_support_tickets",
    "get_usernames",
    "invite_collaborator",
    "invite_noncloud_collaborators",
    "log_client_error",
    "metrics",
    "ping",
    "project_exec",
    "public_get_directory_listing",
    "public_get_text_file",
    "query",
    "read_text_file_from_project",
    "remove_collaborator",
    "reset_forgot_password",
    "start_metrics",
    "unlink_passport",
    "user_auth",
    "user_search",
    "write_text_file_to_project",
]


def test_counts() -> None:
    apis = [e.api for e in ENDPOINTS]
    assert apis.count("v1") == 57
    assert apis.count("v2") == 191
    assert apis.count("conat/hub") == 33
    assert apis.count("conat/project") == 6
    assert len({e.key for e in ENDPOINTS}) == len(ENDPOINTS)
    assert len(SEED_V1) == 28
    assert all(find("v1", name) is not None for name in SEED_V1)


def test_no_event_param_and_no_id_for_copy_status() -> None:
    assert not any(p.name == "event" for e in ENDPOINTS for p in e.params)
    for name in ("copy_path_status", "copy_path_delete"):
        e = find("v1", name)
        assert e is not None
        assert e.param("id") is None


def test_removed_endpoints() -> None:
    removed = {e.path for e in ENDPOINTS if e.status == "removed-from-http"}
    assert removed == {
        "delete_account",
        "forgot_password",
        "reset_forgot_password",
        "unlink_passport",
        "metrics",
        "start_metrics",
    }
    assert {find("v1", p).removed_date for p in removed} == {"2019-05-13"}  # type: ignore[union-attr]


def _model(spec: str) -> object:
    import importlib

    inner = spec[5:-1] if spec.startswith("list[") else spec
    module, cls = inner.split(":")
    model = getattr(importlib.import_module(f"cocalc_async.models.{module}"), cls)
    return list[model] if spec.startswith("list[") else model  # type: ignore[valid-type]


EXAMPLES = [(e, ex) for e in ENDPOINTS for ex in e.examples]


@pytest.mark.parametrize("case", EXAMPLES, ids=lambda c: c[0].path)
def test_seed_examples_structure(case: tuple[object, str]) -> None:
    endpoint, text = case
    body = json.loads(text)
    assert endpoint.result_model  # type: ignore[attr-defined]
    if body.get("event") in ("error", "account_creation_failed"):
        # Error answers never reach the model: the Core raises for them.
        pytest.importorskip("cocalc_async._sansio")
        from cocalc_async._sansio import classify_response
        from cocalc_async.errors import CoCalcAPIError

        with pytest.raises(CoCalcAPIError):
            classify_response("v1", endpoint.path, 200, {}, text.encode())  # type: ignore[attr-defined]
        return
    result: object = structure(body, _model(endpoint.result_model))  # type: ignore[attr-defined]
    assert result is not None


def test_missing_required_key_names_the_path() -> None:
    from cocalc_async.models.misc import Pong

    with pytest.raises(ResponseValidationError) as info:
        structure({"event": "pong"}, Pong)
    assert info.value.path == "$.now"


def test_generated_code_is_up_to_date() -> None:
    out = Path(__file__).resolve().parents[2] / "cocalc_async" / "_generated"
    assert check(out) == []
