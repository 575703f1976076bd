"""The pure core: every error form CoCalc answers with, in CoCalc's exact strings."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocalc_async import errors
from cocalc_async._sansio import build_request, classify_response, parse_retry_after

BASE = "https://cocalc.example"


def classify(
    api: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return classify_response(api, path, status, headers or {}, raw, request_id="rid", attempts=2)


# --- build_request ---------------------------------------------------------------------------


def test_v1_request_is_a_json_post_to_the_event_path_without_none_values() -> None:
    req = build_request(
        "v1", "project_exec", {"project_id": "p", "command": "ls", "path": None}, base_url=BASE
    )
    assert (req.method, req.url) == ("POST", f"{BASE}/api/v1/project_exec")
    assert json.loads(req.body) == {"project_id": "p", "command": "ls"}
    assert isinstance(req.body, bytes)


def test_v2_request_path_and_conat_request_carry_the_rpc_name() -> None:
    assert build_request("v2", "projects/copy-path-status", {}, base_url=BASE).url == (
        f"{BASE}/api/v2/projects/copy-path-status"
    )
    req = build_request("conat/hub", "system.ping", {"args": [{}], "timeout": 5000}, base_url=BASE)
    assert req.url == f"{BASE}/api/conat/hub"
    assert json.loads(req.body) == {"name": "system.ping", "args": [{}], "timeout": 5000}
    req = build_request(
        "conat/project", "system.exec", {"project_id": "p", "args": []}, base_url=BASE
    )
    assert req.url == f"{BASE}/api/conat/project"


@pytest.mark.parametrize(
    ("api", "path", "params", "exc", "words"),
    [
        ("v1", "ping", {"event": "ping"}, ValueError, "event"),
        ("v1", "copy_path_status", {"id": "x"}, ValueError, "no 'id'"),
        ("v1", "copy_path_delete", {"id": "x"}, ValueError, "no 'id'"),
        ("v3", "ping", {}, ValueError, "api must be"),
        ("v1", "../admin", {}, ValueError, "invalid endpoint"),
        ("v1", "", {}, ValueError, "invalid endpoint"),
        ("v1", "ping", ["not", "a", "dict"], TypeError, "mapping"),
        ("v1", "ping", {"x": object()}, TypeError, "JSON"),
        ("conat/hub", "system.ping", {"name": "other"}, ValueError, "name"),
    ],
)
def test_bad_calls_are_refused_before_sending(
    api: str, path: str, params: Any, exc: type, words: str
) -> None:
    with pytest.raises(exc, match=words):
        build_request(api, path, params, base_url=BASE)


def test_v1_id_is_allowed_where_the_schema_has_it() -> None:
    req = build_request("v1", "ping", {"id": "abc"}, base_url=BASE)
    assert json.loads(req.body) == {"id": "abc"}


# --- classify_response: success ----------------------------------------------------------------


def test_success_bodies_are_returned_as_parsed_json() -> None:
    assert classify("v1", "ping", 200, {"event": "pong", "id": "1", "now": "t"})["event"] == "pong"
    assert classify("v2", "projects/get", 200, [{"project_id": "p"}]) == [{"project_id": "p"}]
    assert classify("v2", "projects/stop", 200, {"status": "ok"}) == {"status": "ok"}
    assert classify("v2", "x", 200, {"error": None, "value": 1}) == {"error": None, "value": 1}
    # copy-path-status reports failure as copy_error, deliberately not error: data, not an exception
    assert (
        classify("v2", "projects/copy-path-status", 200, {"copy_error": "boom"})["copy_error"]
        == "boom"
    )
    assert classify("conat/hub", "system.ping", 200, {"now": 1}) == {"now": 1}
    assert classify("v2", "x", 204, b"") is None


# --- v1 HTTP 400 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("You must provide authentication via an API key.", errors.AuthenticationError),
        ("Unknown authorization type 'Token'", errors.AuthenticationError),
        ("No account found. Is your API key wrong?", errors.AuthenticationError),
        (
            "User is BANNED.  If this is a mistake, please contact help@cocalc.com",
            errors.AuthenticationError,
        ),
        (
            "invalid parameters 'Error: misc.defaults -- TypeError: got an unexpected argument 'foo' (obj1=..., obj2=...)'",
            errors.InvalidParametersError,
        ),
        (
            "invalid parameters 'Error: ValueError: must not define 'event' when calling message creation function (...)'",
            errors.InvalidParametersError,
        ),
        ("unknown endpoint 'frobnicate'", errors.UnknownEndpointError),
        ("endpoint 'delete_account' is not part of the HTTP API", errors.UnknownEndpointError),
        ("unknown message event type 'foo'", errors.UnknownEndpointError),
        ("something else entirely", errors.BadRequestError),
    ],
)
def test_v1_http_400_errors(text: str, cls: type[errors.APIError]) -> None:
    with pytest.raises(cls) as info:
        classify("v1", "ping", 400, {"error": text})
    err = info.value
    # A 400 is a status answer: the kind's StatusError form, never its ResponseError form.
    assert type(err) is errors.form_of(cls, from_status=True)
    assert isinstance(err, errors.APIStatusError)
    assert not isinstance(err, errors.APIResponseError)
    assert (err.status_code, err.endpoint, err.request_id, err.attempts) == (
        400,
        "v1/ping",
        "rid",
        2,
    )
    assert text in str(err)


# --- HTTP 200 with an error --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (
            {
                "event": "error",
                "id": "i",
                "error": "User a does not have write access to project p",
            },
            errors.PermissionDeniedError,
        ),
        (
            {"event": "error", "id": "i", "error": "User a does not have read access to project p"},
            errors.PermissionDeniedError,
        ),
        (
            {"event": "error", "error": "ACCESS BLOCKED -- No write access to target project -- p"},
            errors.PermissionDeniedError,
        ),
        (
            {"event": "error", "error": "user must be signed in before accessing projects"},
            errors.AuthenticationError,
        ),
        ({"event": "error", "error": "Can't find copy operation with ID=x"}, errors.CoCalcAPIError),
        ({"event": "error"}, errors.CoCalcAPIError),
        ({"event": "changed_password", "error": "invalid old password"}, errors.CoCalcAPIError),
        ({"event": "changed_email_address", "error": "email_already_taken"}, errors.CoCalcAPIError),
        ({"event": "forgot_password_response", "error": "no such account"}, errors.CoCalcAPIError),
        ({"event": "reset_forgot_password_response", "error": "bad"}, errors.CoCalcAPIError),
    ],
)
def test_v1_http_200_errors(body: dict[str, Any], cls: type[errors.CoCalcAPIError]) -> None:
    with pytest.raises(cls) as info:
        classify("v1", "copy_path_status", 200, body)
    assert type(info.value) is errors.form_of(cls, from_status=False)
    assert not isinstance(info.value, errors.APIStatusError)
    assert info.value.status_code == 200
    assert info.value.body == body


def test_v1_failure_event_with_a_falsy_error_is_success() -> None:
    assert (
        classify("v1", "change_password", 200, {"event": "changed_password", "error": False})[
            "event"
        ]
        == "changed_password"
    )


def test_account_creation_failed_carries_its_reason_dict() -> None:
    body = {
        "event": "account_creation_failed",
        "reason": {"email_address": "This e-mail address is already taken."},
    }
    with pytest.raises(errors.AccountCreationFailedError) as info:
        classify("v1", "create_account", 200, body)
    assert info.value.reason == body["reason"]
    assert "already taken" in str(info.value)


def test_v1_error_objects_are_made_readable() -> None:
    node_error = {"errno": -2, "code": "ENOENT", "syscall": "open", "path": "missing.txt"}
    with pytest.raises(errors.CoCalcAPIError) as info:
        classify("v1", "read_text_file_from_project", 200, {"event": "error", "error": node_error})
    assert info.value.error == node_error
    assert info.value.code == "ENOENT"
    assert str(info.value).startswith("ENOENT: open missing.txt")


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("must be signed in", errors.AuthenticationError),
        (
            "must be signed in and MUST provide an api key (cookies are not allowed)",
            errors.AuthenticationError,
        ),
        ("user a does not have read access to project p", errors.PermissionDeniedError),
        # A production hub's own parameter check (no schema validation in front of it).
        ("project_id must be a valid uuid", errors.InvalidParametersError),
        ("fetch failed", errors.CoCalcAPIError),
    ],
)
def test_v2_and_conat_http_200_errors(text: str, cls: type[errors.CoCalcAPIError]) -> None:
    for api in ("v2", "conat/hub"):
        with pytest.raises(cls) as info:
            classify(api, "projects/stop", 200, {"error": text})
        assert type(info.value) is errors.form_of(cls, from_status=False)
        assert isinstance(info.value, errors.APIResponseError)
        assert info.value.message == text


def test_v2_throttle_text_becomes_rate_limit_with_its_hint() -> None:
    text = "too many requests to messages/send; try again in 7 seconds (rule: at most 1 requests per 1 second)"
    with pytest.raises(errors.RateLimitError) as info:
        classify("v2", "messages/send", 200, {"error": text})
    assert info.value.retry_after == 7.0
    assert info.value.status_code == 200
    assert isinstance(info.value, errors.APIResponseError)
    assert isinstance(info.value, errors.CoCalcAPIError)  # the old name of the same class
    assert not isinstance(info.value, errors.APIStatusError)


def test_sign_in_throttle_is_a_rate_limit_without_a_hint() -> None:
    text = 'Too many attempts per minute to sign in as "a@b.c". Wait a minute, then try again.'
    with pytest.raises(errors.RateLimitError) as info:
        classify("v2", "auth/sign-in", 200, {"error": text})
    assert info.value.retry_after is None


def test_user_auth_ban_after_a_wrong_password_is_a_rate_limit_of_a_minute() -> None:
    # hub/auth-token.coffee at 2db78fc4f7: BAN_TIME_MS/1000 seconds.
    text = "banned -- please wait at least 60s before trying again"
    with pytest.raises(errors.RateLimitError) as info:
        classify("v1", "user_auth", 200, {"event": "error", "error": text})
    assert info.value.retry_after == 60.0
    with pytest.raises(errors.AuthenticationError):  # an account ban is another matter
        classify("v1", "ping", 400, {"event": "error", "error": "User is BANNED."})


def test_sign_up_issues() -> None:
    body = {"issues": {"email": "Email address already in use", "password": "too short"}}
    with pytest.raises(errors.SignUpError) as info:
        classify("v2", "auth/sign-up", 200, body)
    assert info.value.issues == body["issues"]


# --- non-2xx -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (413, errors.RequestTooLargeError),
        (500, errors.InternalServerError),
        (502, errors.BadGatewayError),
        (503, errors.ServiceUnavailableError),
        (504, errors.GatewayTimeoutError),
        (520, errors.InternalServerError),
        # A web page where a route belongs: this server lacks the route (a NotFoundError).
        (404, errors.EndpointNotServedError),
        (418, errors.APIStatusError),
    ],
)
def test_html_error_pages(status: int, cls: type[errors.APIStatusError]) -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    with pytest.raises(cls) as info:
        classify("v2", "projects/get", status, page)
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert "502 Bad Gateway" in str(err)
    assert err.body_excerpt.startswith("<html>")


def test_429_carries_retry_after_from_header_or_body() -> None:
    with pytest.raises(errors.RateLimitError) as info:
        classify("v2", "x", 429, b"Too Many Requests", {"Retry-After": "3"})
    assert info.value.retry_after == 3.0
    assert info.value.status_code == 429
    assert type(info.value) is errors.RateLimitStatusError
    body = {"error": "slow down", "code": "api_search_rate_limited", "retry_after_ms": 1250}
    with pytest.raises(errors.RateLimitError) as info:
        classify("conat/hub", "projects.listProjectSummaries", 429, body)
    assert info.value.retry_after == 1.25
    assert info.value.code == "api_search_rate_limited"


def test_cocalc_ai_capability_refusal_is_a_permission_error_with_its_code() -> None:
    body = {"error": "API keys are not allowed to call hub RPC 'db.userQuery'"}
    with pytest.raises(errors.PermissionDeniedError) as info:
        classify("conat/hub", "db.userQuery", 200, {**body, "code": "api_key_rpc_denied"})
    assert info.value.code == "api_key_rpc_denied"
    with pytest.raises(errors.PermissionDeniedError) as info:
        classify("conat/hub", "db.userQuery", 200, body)
    assert info.value.code is None


def test_503_keeps_its_retry_after() -> None:
    with pytest.raises(errors.ServiceUnavailableError) as info:
        classify("v1", "ping", 503, b"<html>down</html>", {"Retry-After": "2"})
    assert info.value.retry_after == 2.0


def test_404_json_message() -> None:
    with pytest.raises(errors.NotFoundError, match="must use a POST request"):
        classify("v2", "accounts/delete", 404, {"message": "must use a POST request"})


# --- bodies that are not JSON ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<html>hi</html>",
        b'{"event":"pong","now":"2026',
        b"",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
    ],
)
def test_a_2xx_body_that_is_not_json_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(errors.ResponseDecodeError) as info:
        classify("v1", "ping", 200, body)
    assert info.value.status_code == 200
    assert len(info.value.body_excerpt) <= 300


# --- Retry-After parsing -----------------------------------------------------------------------


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "120"}) == 120.0
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert (
        parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0)
        == 10.0
    )
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({"Retry-After": "-4"}) is None
    assert parse_retry_after({}) is None


# --- the classifier only ever raises CoCalcError -----------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    api=st.sampled_from(["v1", "v2", "conat/hub", "conat/project"]),
    status=st.integers(min_value=100, max_value=599),
    body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())),
    retry_after=st.one_of(st.none(), st.text(max_size=30)),
)
def test_classifier_raises_nothing_but_cocalc_errors(
    api: str, status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    with contextlib.suppress(errors.CoCalcError):
        classify_response(api, "auth/sign-up", status, headers, body)


@settings(max_examples=100, deadline=None)
@given(
    error=st.one_of(
        st.text(min_size=1), json_values.filter(lambda v: v not in (None, False, "", 0))
    )
)
def test_any_truthy_error_field_in_a_200_raises(error: Any) -> None:
    with pytest.raises(errors.CoCalcAPIError):
        classify("v2", "projects/get", 200, {"error": error})


def test_huge_numbers_and_deep_nesting_do_not_escape() -> None:
    for body in (b"1" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000, b"1e999999"):
        with contextlib.suppress(errors.CoCalcError):
            classify_response("v1", "ping", 200, {}, body)


def test_request_ids_are_distinct_uuid4s() -> None:
    import uuid

    from cocalc_async._sansio import new_request_id

    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for value in list(ids)[:200]:
        parsed = uuid.UUID(value)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
