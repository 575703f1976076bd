"""Where an error came from decides its base: ``APIStatusError`` for a non-2xx answer,
``APIResponseError`` for an error in a 2xx body, never both; the kind stays catchable either way.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from cocalc_async import errors
from cocalc_async._sansio import classify_response

PAGE = b"<html><head><title>404 Page Not Found</title></head></html>"


def classify(api: str, path: str, status: int, body: Any) -> errors.APIError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(errors.APIError) as info:
        classify_response(api, path, status, {}, raw)
    return info.value


#: Each kind CoCalc sends both ways: (kind, a call answered in a 2xx body, a non-2xx call), each
#: call as (api, path, status, body). The texts are CoCalc's own (see the error table).
TWO_WAY: list[tuple[type[errors.APIError], tuple[Any, ...], tuple[Any, ...]]] = [
    (
        errors.AuthenticationError,
        ("conat/hub", "system.test", 200,
         {"error": "must be signed in and MUST provide an api key (cookies are not allowed)"}),
        ("v2", "exec", 401, {"error": "You must provide authentication via an API key."}),
    ),
    (
        errors.PermissionDeniedError,
        ("v2", "exec", 200, {"error": "user must be a collaborator on the project"}),
        ("v2", "exec", 403, {"error": "user must be a collaborator on the project"}),
    ),
    (
        errors.NotFoundError,
        ("v2", "projects/copy-path-status", 200, {"error": "copy_id not found"}),
        ("v2", "projects/copy-path-status", 404, {"error": "copy_id not found"}),
    ),
    (
        errors.FileNotFoundOnServerError,
        ("v2", "projects/copy-path", 200,
         {"error": "ENOENT: no such file or directory, stat 'nope'"}),
        ("v2", "projects/copy-path", 404,
         {"error": "ENOENT: no such file or directory, stat 'nope'"}),
    ),
    (
        errors.InvalidParametersError,
        ("v2", "projects/copy-path", 200, {"error": "target_project_id must be a valid uuid"}),
        ("v2", "exec", 400, {"message": "Invalid request body.",
                             "errors": [{"path": ["project_id"], "message": "Required"}]}),
    ),
    (
        errors.UnknownEndpointError,
        ("conat/hub", "system.nope", 200, {"error": "Error: unknown function 'system.nope'"}),
        ("v1", "frobnicate", 400, {"error": "unknown endpoint 'frobnicate'"}),
    ),
    (
        errors.RateLimitError,
        ("v2", "messages/get", 200,
         {"error": "too many requests to messages/get; try again in 2 seconds"}),
        ("v2", "messages/get", 429, {"error": "slow down"}),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "body_call", "status_call"), TWO_WAY, ids=[k.__name__ for k, _, _ in TWO_WAY]
)
def test_a_kind_from_a_2xx_body_is_a_response_error(
    kind: type[errors.APIError], body_call: tuple[Any, ...], status_call: tuple[Any, ...]
) -> None:
    err = classify(*body_call)
    assert isinstance(err, kind)
    assert isinstance(err, errors.APIResponseError)
    assert isinstance(err, errors.CoCalcAPIError)  # the old name catches it too
    assert not isinstance(err, errors.APIStatusError)
    assert type(err) is errors.form_of(kind, from_status=False)
    assert type(err).__name__.endswith("ResponseError")
    assert err.status_code == 200


@pytest.mark.parametrize(
    ("kind", "body_call", "status_call"), TWO_WAY, ids=[k.__name__ for k, _, _ in TWO_WAY]
)
def test_a_kind_from_a_non_2xx_answer_is_a_status_error(
    kind: type[errors.APIError], body_call: tuple[Any, ...], status_call: tuple[Any, ...]
) -> None:
    err = classify(*status_call)
    assert isinstance(err, kind)
    assert isinstance(err, errors.APIStatusError)
    assert not isinstance(err, errors.APIResponseError)
    assert not isinstance(err, errors.CoCalcAPIError)
    assert type(err) is errors.form_of(kind, from_status=True)
    assert type(err).__name__.endswith("StatusError")
    assert err.status_code == status_call[2]


def test_except_clauses_tell_the_two_apart() -> None:
    """The headline case: a 401 and a 200 "must be signed in" are both AuthenticationErrors."""
    _, body_call, status_call = TWO_WAY[0]
    caught: list[str] = []
    for api, path, status, body in (status_call, body_call):
        try:
            classify_response(api, path, status, {}, json.dumps(body).encode())
        except errors.APIStatusError:
            caught.append("status")
        except errors.APIResponseError:
            caught.append("response")
    assert caught == ["status", "response"]
    for api, path, status, body in (status_call, body_call):
        with pytest.raises(errors.AuthenticationError):
            classify_response(api, path, status, {}, json.dumps(body).encode())


#: The errors that arrive one way only, with a call that raises each.
ONE_WAY: list[tuple[type[errors.APIError], tuple[Any, ...]]] = [
    (errors.BridgeTimeoutError, ("conat/project", "system.exec", 200,
     {"error": "timeout - callHub: subject='x', name='system.exec', code='408' "})),
    (errors.ProjectCallTimeoutError, ("v2", "exec", 200, {"error": "undefined"})),
    (errors.NotImplementedOnServerError, ("v2", "compute/control", 200,
     {"error": "NOT implemented yet"})),
    (errors.LatexError, ("v2", "latex", 200, {"compile": {"event": "error", "error": "no tex"}})),
    (errors.SignUpError, ("v2", "auth/sign-up", 200, {"issues": {"email": "taken"}})),
    (errors.AccountCreationFailedError, ("v1", "create_account", 200,
     {"event": "account_creation_failed", "reason": {"email": "taken"}})),
    (errors.APIResponseError, ("v2", "x", 200, {"error": "fetch failed"})),
    (errors.EndpointNotServedError, ("v1", "ping", 404, PAGE)),
    (errors.BadRequestError, ("v2", "x", 400, {"error": "something else"})),
    (errors.RequestTooLargeError, ("v2", "x", 413, b"too large")),
    (errors.InternalServerError, ("v2", "x", 500, {"error": "boom"})),
    (errors.BadGatewayError, ("v2", "x", 502, b"<html>bad gateway</html>")),
    (errors.ServiceUnavailableError, ("v2", "x", 503, b"")),
    (errors.GatewayTimeoutError, ("v2", "x", 504, b"")),
    (errors.APIStatusError, ("v2", "x", 418, b"teapot")),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "call"), ONE_WAY, ids=lambda x: getattr(x, "__name__", ""))
def test_one_way_errors_have_exactly_one_base(
    cls: type[errors.APIError], call: tuple[Any, ...]
) -> None:
    err = classify(*call)
    assert type(err) is cls
    from_status = not 200 <= call[2] < 300
    assert isinstance(err, errors.APIStatusError) is from_status
    assert isinstance(err, errors.APIResponseError) is not from_status
    if from_status:
        assert isinstance(err.status_code, int)
        assert err.status_code == call[2]


def test_a_404_page_is_a_not_found_status_error() -> None:
    err = classify("v2", "no/such/route", 404, PAGE)
    assert isinstance(err, errors.EndpointNotServedError)
    assert isinstance(err, errors.NotFoundStatusError)
    assert isinstance(err, errors.NotFoundError)


def test_no_class_is_both_a_status_and_a_response_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert not (
            issubclass(cls, errors.APIStatusError) and issubclass(cls, errors.APIResponseError)
        ), name
        forms = cls.__dict__.get("_forms") if issubclass(cls, errors.APIError) else None
        if forms is not None:
            status_form, response_form = forms
            assert issubclass(status_form, cls)
            assert issubclass(status_form, errors.APIStatusError)
            assert issubclass(response_form, cls)
            assert issubclass(response_form, errors.APIResponseError)
            assert status_form.__name__ == name.removesuffix("Error") + "StatusError"
            assert response_form.__name__ == name.removesuffix("Error") + "ResponseError"
            assert {status_form.__name__, response_form.__name__} <= set(errors.__all__)
    for name in (
        "APIStatusError",
        "APIResponseError",
        "ResponseDecodeError",
        "ResponseTooLargeError",
    ):
        assert getattr(errors, name).__bases__ == (errors.APIError,), name


def test_cocalc_api_error_is_the_old_name_of_api_response_error() -> None:
    assert errors.CoCalcAPIError is errors.APIResponseError
    assert "CoCalcAPIError" in errors.__all__
    err = errors.CoCalcAPIError("no", endpoint="v2/x", status_code=200)
    assert type(err) is errors.APIResponseError


def test_calling_a_kind_builds_the_form_its_status_says() -> None:
    # Code written when the kinds were concrete classes (a MockTransport handler, a test double)
    # still gets an error that is exactly one of the two.
    err: errors.APIError = errors.RateLimitError("slow down", status_code=429, retry_after=1.5)
    assert type(err) is errors.RateLimitStatusError
    assert err.retry_after == 1.5
    err = errors.AuthenticationError("must be signed in", status_code=200)
    assert type(err) is errors.AuthenticationResponseError
    err = errors.PermissionDeniedError("no")
    assert type(err) is errors.PermissionDeniedResponseError
    assert err.status_code is None
    err = errors.FileNotFoundOnServerError("ENOENT", path="a", status_code=404)
    assert type(err) is errors.FileNotFoundOnServerStatusError
    assert err.path == "a"
    err = errors.InvalidParametersError("bad", errors=[{"path": ["x"]}], status_code=400)
    assert type(err) is errors.InvalidParametersStatusError
    assert err.errors == [{"path": ["x"]}]
    # A form is built as itself, whatever the status says.
    assert type(errors.NotFoundResponseError("x", status_code=200)) is errors.NotFoundResponseError


@pytest.mark.parametrize("status", [None, 200, 204, True, "404"])
def test_a_status_error_needs_a_non_2xx_int_status(status: Any) -> None:
    with pytest.raises(TypeError, match="non-2xx status_code"):
        errors.APIStatusError("x", status_code=status)
    with pytest.raises(TypeError, match="non-2xx status_code"):
        errors.AuthenticationStatusError("x", status_code=status)


def test_repr_and_str_name_the_kind_and_where_it_came_from() -> None:
    _, body_call, status_call = TWO_WAY[0]
    body_err, status_err = classify(*body_call), classify(*status_call)
    assert repr(status_err).startswith("AuthenticationStatusError('You must provide")
    assert "status_code=401" in repr(status_err)
    assert repr(body_err).startswith("AuthenticationResponseError('must be signed in")
    assert str(status_err).endswith("[v2/exec, HTTP 401, attempts=1]")
    assert str(body_err).endswith("[conat/hub/system.test, HTTP 200, attempts=1]")


ALL_CALLS = [c for _, b, s in TWO_WAY for c in (b, s)] + [c for _, c in ONE_WAY]


@pytest.mark.parametrize("call", ALL_CALLS, ids=lambda c: f"{c[0]}/{c[1]}-{c[2]}")
def test_every_error_survives_pickling_as_itself(call: tuple[Any, ...]) -> None:
    err = classify(*call)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert vars(back) == vars(err)
    assert str(back) == str(err)
    assert isinstance(back, errors.APIStatusError) is isinstance(err, errors.APIStatusError)


def test_docs_errors_md_shows_every_class_of_the_tree() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    tree = errors.__doc__ or ""
    for name in errors.__all__:
        if name.endswith(("StatusError", "ResponseError")) and name not in (
            "APIStatusError",
            "APIResponseError",
        ):
            kind = name.removesuffix("StatusError").removesuffix("ResponseError") + "Error"
            assert kind in page, name  # a form is shown as <Kind>StatusError / <Kind>ResponseError
            continue
        assert name in page, name
        assert name in tree, name
