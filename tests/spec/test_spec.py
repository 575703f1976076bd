"""The spec's coverage, its seed examples, and that _generated/ is up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from cocalc_async._convert import structure
from cocalc_async._sansio import classify_response
from cocalc_async.codegen.__main__ import check
from cocalc_async.errors import (
    AccountCreationFailedError,
    CoCalcAPIError,
    PermissionDeniedError,
    ResponseValidationError,
)
from cocalc_async.spec import ENDPOINTS, Endpoint, find

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
    assert apis.count("conat/hub") == 57
    assert apis.count("conat/project") == 28
    assert len({e.key for e in ENDPOINTS}) == len(ENDPOINTS)
    assert len(SEED_V1) == 28
    assert all(find("v1", name) is not None for name in SEED_V1)


def test_no_event_param_and_no_id_for_copy_status() -> None:
    # v1 answers 400 to an "event" key; inside conat args (system.userTracking) it is data.
    http = [e for e in ENDPOINTS if e.api in ("v1", "v2")]
    assert not any(p.name == "event" for e in http for p in e.params)
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


EXAMPLES = [(e, i, ex) for e in ENDPOINTS for i, ex in enumerate(e.examples)]

#: The seed examples that are error answers, by (api, path, example index), and the exact error
#: the Core raises for each: a bare CoCalcAPIError where CoCalc's wording names no finer kind.
ERROR_EXAMPLES: dict[tuple[str, str, int], type[CoCalcAPIError]] = {
    ("v1", "change_email_address", 1): CoCalcAPIError,  # "email_already_taken"
    ("v1", "create_account", 0): AccountCreationFailedError,
    ("v1", "project_exec", 4): CoCalcAPIError,  # "killed command": the exec timed out
    ("v1", "public_get_text_file", 1): CoCalcAPIError,  # "... is not public"
}


def test_seed_003_v2_examples_are_attached() -> None:
    for path in ("projects/stop", "user-query", "latex"):
        endpoint = find("v2", path)
        assert endpoint is not None
        assert endpoint.in_seed_doc
        assert endpoint.examples


@pytest.mark.parametrize("case", EXAMPLES, ids=lambda c: f"{c[0].path}-{c[1]}")
def test_seed_examples_structure_or_raise(case: tuple[Endpoint, int, str]) -> None:
    endpoint, index, text = case
    assert endpoint.result_model
    expected = ERROR_EXAMPLES.get((endpoint.api, endpoint.path, index))
    # Every example goes through the Core's classifier first, as a real answer would.
    if expected is not None:
        with pytest.raises(CoCalcAPIError) as info:
            classify_response(endpoint.api, endpoint.path, 200, {}, text.encode())
        assert type(info.value) is expected
        return
    data = classify_response(endpoint.api, endpoint.path, 200, {}, text.encode())
    result: object = structure(data, _model(endpoint.result_model))
    assert type(result).__module__.startswith(("cocalc_async.models", "builtins"))


def test_every_error_example_is_listed() -> None:
    keys = {(e.api, e.path, i) for e, i, _ in EXAMPLES}
    assert set(ERROR_EXAMPLES) <= keys


def test_access_wording_is_a_permission_error() -> None:
    # The seeds carry no such answer; this is the wording CoCalc uses for collaborator checks.
    body = b'{"event": "error", "error": "user does not have write access to project"}'
    with pytest.raises(PermissionDeniedError):
        classify_response("v1", "project_exec", 200, {}, body)


def test_missing_required_key_names_the_path() -> None:
    from cocalc_async.models.misc import Pong

    with pytest.raises(ResponseValidationError) as info:
        structure({"event": "pong"}, Pong)
    assert info.value.path == "$.now"


def test_generated_code_is_up_to_date() -> None:
    out = Path(__file__).resolve().parents[2] / "cocalc_async" / "_generated"
    assert check(out) == []


def test_a_value_of_the_wrong_type_is_named_by_its_path() -> None:
    from cocalc_async.models.files import DirectoryListing
    from cocalc_async.models.misc import Pong

    # The fast converter has no field paths; the detailed one must still name the field.
    with pytest.raises(ResponseValidationError) as info:
        structure({"now": "not a date"}, Pong)
    assert info.value.path == "$.now"
    assert info.value.model == "Pong"
    with pytest.raises(ResponseValidationError) as info:
        structure({"files": [{"name": "a"}, {"name": 3, "size": "big"}]}, DirectoryListing)
    assert info.value.path.startswith("$.files[1].")


def test_null_where_an_object_is_expected_is_a_validation_error() -> None:
    from cocalc_async.models.accounts import AccountName, AccountNames

    # cattrs raises AttributeError here ('NoneType' has no 'items'); callers must get our type.
    with pytest.raises(ResponseValidationError) as info:
        structure({"names": None}, AccountNames)
    assert info.value.model == "AccountNames"
    with pytest.raises(ResponseValidationError):
        structure(None, dict[str, AccountName])


@pytest.mark.parametrize(
    ("data", "cl", "expected"),
    [("pid", str, "pid"), (7, int, 7), (3, float, 3.0), (True, bool, True)],
)
def test_scalar_results_pass_through(data: object, cl: type, expected: object) -> None:
    from cocalc_async._runtime import scalar

    assert scalar(data, cl) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "cl"), [(None, str), (7, str), (True, int), ("7", int), ({"a": 1}, float), (1, bool)]
)
def test_scalar_results_are_checked_never_converted(data: object, cl: type) -> None:
    from cocalc_async._runtime import scalar

    with pytest.raises(ResponseValidationError, match=f"does not fit {cl.__name__}"):
        scalar(data, cl)  # type: ignore[arg-type]


def test_one_endpoint_change_rewrites_only_its_module_and_the_manifest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import attrs

    from cocalc_async.codegen import generate

    before = generate.render_all()
    index = next(i for i, e in enumerate(ENDPOINTS) if e.key == ("v2", "projects/touch"))
    changed = attrs.evolve(ENDPOINTS[index], summary="Touch it (a changed summary).")
    monkeypatch.setattr(
        generate, "ENDPOINTS", (*ENDPOINTS[:index], changed, *ENDPOINTS[index + 1 :])
    )
    after = generate.render_all()
    assert {rel for rel in before if before[rel] != after[rel]} == {
        "__init__.py",  # the spec hash, written there alone
        "v2/projects.py",
    }
    changed_lines = [
        line
        for line in after["v2/projects.py"].splitlines()
        if line not in before["v2/projects.py"].splitlines()
    ]
    assert changed_lines == ['        """Touch it (a changed summary).']
