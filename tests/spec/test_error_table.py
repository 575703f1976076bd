"""The error table: every row classifies its own example, and the recorded real answers map right."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cocalc_async import _sansio, errors
from cocalc_async._generated import error_table
from cocalc_async._generated.conat import Conat
from cocalc_async._generated.v2 import V2
from cocalc_async.spec import ENDPOINTS
from cocalc_async.spec.errors import RULES, ErrorRule

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "real"


def classify(api: str, path: str, status: int, body: Any) -> errors.APIError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(errors.APIError) as info:
        _sansio.classify_response(api, path, status, {}, raw)
    return info.value


TEXT_RULES = [r for r in RULES if r.match != "shape"]


@pytest.mark.parametrize("rule", TEXT_RULES, ids=lambda r: r.id)
def test_each_text_row_classifies_its_own_example(rule: ErrorRule) -> None:
    if rule.match == "code":
        error: Any = json.loads(rule.example)
    else:
        error = rule.example
        if rule.api is None:
            # The row that matches the example is this row, not an earlier, broader one.
            kind = _sansio._match_text(rule.example)
            assert kind is not None
            assert kind.rule == rule.id
    where = [("v2", "exec"), ("conat/hub", "system.test")]
    if rule.api is not None:
        where = [(rule.api, rule.path or "x")]
        # Elsewhere the same text is not this row's.
        other = classify("conat/hub", "system.test", 200, {"error": error})
        assert not isinstance(other, getattr(errors, rule.error))
    for api, path in where:
        err = classify(api, path, 200, {"error": error})
        # The row names a kind; a 2xx body raises its ResponseError form.
        assert type(err) is errors.form_of(getattr(errors, rule.error), from_status=False)
        assert isinstance(err, errors.APIResponseError)
        assert err.status_code == 200
        assert err.error == error
        if isinstance(error, str):
            assert err.message == error  # the server's exact text, untouched


@pytest.mark.parametrize("rule", [r for r in TEXT_RULES if r.match != "code"], ids=lambda r: r.id)
def test_each_text_row_also_types_a_400_with_the_same_text(rule: ErrorRule) -> None:
    api, path = (rule.api, rule.path or "x") if rule.api else ("v1", "ping")
    err = classify(api, path, 400, {"error": rule.example})
    kind = getattr(errors, rule.error)
    status_form = errors.form_of(kind, from_status=True)
    if status_form is None:
        # A kind that only ever arrives in a 2xx body (a bridge or hub time-out, compute/control):
        # the same text in a 400 is classified by its status.
        assert type(err) is errors.BadRequestError
    else:
        assert type(err) is status_form
        assert isinstance(err, kind)
    assert isinstance(err, errors.APIStatusError)
    assert err.status_code == 400


def test_every_row_has_provenance_and_an_existing_class() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for r in RULES:
        assert r.source, r.id
        assert r.example, r.id
        kind = getattr(errors, r.error)
        # Rows name kinds; a text row can match a 2xx body, so its kind has a ResponseError form.
        assert issubclass(kind, errors.APIError), r.id
        side = r.status is not None and not 200 <= r.status < 300
        assert errors.form_of(kind, from_status=side) is not None, r.id
        assert r.error in errors.__all__
        if r.match == "regex":
            re.compile(r.pattern)
    generated = [row[0] for row in error_table.RULES]
    assert generated == [r.id for r in RULES]


def test_the_error_prefix_of_the_conat_bridge_is_ignored_but_kept() -> None:
    err = classify(
        "conat/hub",
        "system.noSuchFunction",
        200,
        {"error": "Error: unknown function 'system.noSuchFunction'"},
    )
    assert type(err) is errors.UnknownEndpointResponseError
    assert err.message == "Error: unknown function 'system.noSuchFunction'"


def test_unmatched_texts_stay_plain_api_response_errors() -> None:
    for text in ("fetch failed", "NOT implemented yet", "Error: kill ESRCH", "undefined"):
        err = classify("v2", "x", 200, {"error": text})
        assert type(err) is errors.APIResponseError
        assert type(err) is errors.CoCalcAPIError  # the old name of the same class
        assert err.message == text


def test_throttle_row_gives_its_hint() -> None:
    err = classify(
        "v2", "messages/get", 200, {"error": next(r for r in RULES if r.id == "throttle").example}
    )
    assert isinstance(err, errors.RateLimitError)
    assert err.retry_after == 1.0


def test_enoent_carries_the_path_as_the_server_wrote_it() -> None:
    text = "ENOENT: no such file or directory, stat '<projects>/c3c610d3/nope'"
    err = classify("v2", "projects/copy-path", 200, {"error": text})
    assert isinstance(err, errors.FileNotFoundOnServerError)
    assert isinstance(err, errors.NotFoundError)
    assert err.path == "<projects>/c3c610d3/nope"
    err = classify(
        "conat/project",
        "system.readTextFileFromProject",
        200,
        {"error": "Error: ENOENT: no such file or directory, open 'nope.txt'"},
    )
    assert isinstance(err, errors.FileNotFoundOnServerError)
    assert err.path == "nope.txt"
    assert err.message == "Error: ENOENT: no such file or directory, open 'nope.txt'"
    node = {"code": "ENOENT", "errno": -2, "syscall": "open", "path": "a.txt"}
    err = classify("v2", "x", 200, {"error": node})
    assert isinstance(err, errors.FileNotFoundOnServerError)
    assert err.path == "a.txt"
    assert err.code == "ENOENT"


def test_invalid_request_body_keeps_the_per_field_errors() -> None:
    rule = next(r for r in RULES if r.id == "v2-invalid-request-body")
    body = json.loads(rule.example)
    err = classify("v2", "exec", 400, body)
    assert type(err) is errors.InvalidParametersStatusError
    assert err.errors == body["errors"]
    assert err.message.startswith("Invalid request body.")
    assert "project_id: Required" in err.message
    # A 400 without the list stays what it was.
    err = classify("v2", "exec", 400, {"message": "Invalid request body."})
    assert type(err) is errors.BadRequestError


def test_a_failed_latex_compile_is_a_latex_error() -> None:
    rule = next(r for r in RULES if r.id == "v2-latex-compile-failed")
    body = json.loads(rule.example)
    err = classify("v2", "latex", 200, body)
    assert type(err) is errors.LatexError
    assert err.compile_error == body["compile"]["error"]
    assert err.pdf_error == body["pdf"]["error"]
    assert body["compile"]["error"] in err.message
    # Only v2/latex is read this way; a good compile is returned as is.
    ok = {"compile": {"stdout": "ok", "stderr": "", "exit_code": 0}, "url": "u", "pdf": {}}
    assert _sansio.classify_response("v2", "latex", 200, {}, json.dumps(ok).encode()) == ok
    assert _sansio.classify_response("v2", "exec", 200, {}, json.dumps(body).encode()) == body
    only_pdf = {
        "compile": {"stdout": "log", "stderr": "!"},
        "pdf": {"event": "error", "error": "no pdf"},
    }
    err = classify("v2", "latex", 200, only_pdf)
    assert isinstance(err, errors.LatexError)
    assert err.compile_error is None
    assert err.pdf_error == "no pdf"
    assert err.log == "log!"


PAGE = (
    b'<!DOCTYPE html><html><head><title data-next-head="">404 Page Not Found</title></head></html>'
)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.api == "v1"], ids=lambda e: e.path)
def test_a_v1_404_page_says_v1_is_gone_and_what_to_call(endpoint: Any) -> None:
    err = classify("v1", endpoint.path, 404, PAGE)
    assert type(err) is errors.EndpointNotServedError
    assert isinstance(err, errors.NotFoundError)
    assert err.status_code == 404
    assert "does not serve API v1" in err.message
    assert "2025-05-29" in err.message
    assert endpoint.replacement
    assert err.replacement == endpoint.replacement
    assert endpoint.replacement in err.message


def test_v1_ping_names_the_conat_ping() -> None:
    err = classify("v1", "ping", 404, PAGE)
    assert "client.conat.hub.system.ping()" in err.message


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    assert parts[0] == "client"
    roots: dict[str, Any] = {"v2": V2(None), "conat": Conat(None)}  # type: ignore[arg-type]
    if parts[1] not in roots:
        return parts[1] in {"query"}  # Client's own helpers
    obj = roots[parts[1]]
    for part in parts[2:]:
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return callable(obj)


def test_every_replacement_names_a_method_that_exists() -> None:
    for e in ENDPOINTS:
        if e.api != "v1":
            assert e.replacement == ""
            continue
        for dotted in re.findall(r"\b(client(?:\.\w+)+)\(", e.replacement):
            assert _resolves(dotted), (e.path, dotted)


def test_a_v2_or_conat_404_page_is_not_served_too() -> None:
    err = classify("v2", "no/such/route", 404, PAGE)
    assert type(err) is errors.EndpointNotServedError
    assert "no v2 route 'no/such/route'" in err.message
    assert "no such route" in err.message
    err = classify("v2", "projects/stop", 404, PAGE)
    assert "lacks it" in err.message
    err = classify("conat/hub", "system.ping", 404, PAGE)
    assert type(err) is errors.EndpointNotServedError
    assert "conat bridge" in err.message
    # A JSON 404 is an object the route did not find, not a missing route.
    err = classify("v2", "x", 404, {"error": "no such thing"})
    assert type(err) is errors.NotFoundStatusError


def _recorded() -> list[dict[str, Any]]:
    out = []
    for f in sorted(SAMPLES.rglob("*.json")):
        if f.name.startswith("_"):
            continue
        data = json.loads(f.read_text())
        for x in data.get("steps", [data]):
            out.append(x)
    return out


def _api_path(path: str) -> tuple[str, str, dict[str, Any]]:
    if path.startswith("/api/v1/"):
        return "v1", path[len("/api/v1/") :], {}
    if path.startswith("/api/v2/"):
        return "v2", path[len("/api/v2/") :], {}
    return ("conat/hub" if path.endswith("/hub") else "conat/project"), "x", {}


EXPECTED = {
    "must be signed in": errors.AuthenticationError,
    "user must be signed in": errors.AuthenticationError,
    "Must be signed in.": errors.AuthenticationError,
    "You must provide authentication via an API key.": errors.AuthenticationError,
    "must be signed in and MUST provide an api key (cookies are not allowed)": errors.AuthenticationError,
    "must sign in as project or account": errors.AuthenticationError,
    "user must be a collaborator on the project": errors.PermissionDeniedError,
    "must be a collaborator to start project": errors.PermissionDeniedError,
    "must be an owner to delete a project": errors.PermissionDeniedError,
    "Error: must be a site admin": errors.PermissionDeniedError,
    "copy_id not found": errors.NotFoundError,
}


def test_recorded_real_answers_get_their_classes() -> None:
    if not SAMPLES.is_dir():
        pytest.skip("tests/samples/real is not in this checkout")
    seen = set()
    for x in _recorded():
        status: int = x["status"]
        body = x.get("response_body")
        api, path, _ = _api_path(x["path"])
        if status == 404 and x.get("response_kind") == "html":
            raw = body.encode() if isinstance(body, str) else b"<html></html>"
            err = classify(api, path, 404, raw)
            assert type(err) is errors.EndpointNotServedError, x["id"]
            seen.add("404")
        elif isinstance(body, dict) and isinstance(body.get("error"), str):
            text = body["error"]
            if text in EXPECTED:
                err = classify(api, path, status, body)
                # The kind, in the form for how the hub sent it (a 401, or a 200 body).
                form = errors.form_of(EXPECTED[text], from_status=not 200 <= status < 300)
                assert type(err) is form, (x["id"], text)
                assert err.message == text
                seen.add(text)
    assert "404" in seen
    assert len(seen) >= 8


def test_the_new_errors_survive_pickling_with_their_fields() -> None:
    import pickle

    err = classify("v1", "ping", 404, PAGE)
    assert isinstance(err, errors.EndpointNotServedError)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.EndpointNotServedError
    assert back.replacement == err.replacement
    err = classify("v2", "x", 200, {"error": "ENOENT: no such file or directory, open 'a'"})
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, errors.FileNotFoundOnServerError)
    assert back.path == "a"
    rule = next(r for r in RULES if r.id == "v2-invalid-request-body")
    invalid = classify("v2", "exec", 400, json.loads(rule.example))
    assert isinstance(invalid, errors.InvalidParametersError)
    back = pickle.loads(pickle.dumps(invalid))
    assert isinstance(back, errors.InvalidParametersError)
    assert back.errors == invalid.errors


def test_recorded_validation_answers_name_the_fields_and_keep_the_list() -> None:
    recorded = SAMPLES / "recorded-2026-12-03"
    if not recorded.is_dir():
        pytest.skip("the 2026-12-03 recordings are not in this checkout")
    union = json.loads((recorded / "v2-valid-exec-no-command.json").read_text())
    assert union["status"] == 400
    err = classify("v2", "exec", 400, union["response_body"])
    assert isinstance(err, errors.InvalidParametersError)
    assert err.errors == union["response_body"]["errors"]
    # Either branch of CoCalc's ExecInputSchema: a command, or a poll (async_get, async_stats).
    assert err.message == (
        "Invalid request body. (either command: Required | or async_stats: Required, "
        "async_get: Required)"
    )
    enum = json.loads((recorded / "v2-valid-collab-change-bad-group.json").read_text())
    err = classify("v2", "projects/collaborators/change-user-type", 400, enum["response_body"])
    assert isinstance(err, errors.InvalidParametersError)
    assert err.message.startswith("Invalid request body. (new_group: Invalid enum value.")


def test_every_recorded_400_validation_answer_is_invalid_parameters() -> None:
    count = 0
    for x in _recorded():
        body = x.get("response_body")
        if x.get("status") == 400 and isinstance(body, dict) and "errors" in body:
            api, path, _ = _api_path(x["path"])
            err = classify(api, path, 400, body)
            assert type(err) is errors.InvalidParametersStatusError, x["id"]
            assert err.errors == body["errors"]
            count += 1
    if SAMPLES.joinpath("recorded-2026-12-03").is_dir():
        assert count >= 10
