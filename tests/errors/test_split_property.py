"""Whatever the status and body, an error the classifier raises is exactly one of: a status error
(a non-2xx answer, carrying that status), a response error (a 2xx body), or neither (a body that
is not usable JSON). Never both, and never the wrong side of the status."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cocalc_async import errors
from cocalc_async._sansio import classify_response
from cocalc_async.spec.errors import RULES

#: Every example text of the error table, so the kinds are reached, not only the generic classes.
TEXTS = sorted({r.example for r in RULES if r.match not in ("shape", "code")})
CALLS = [
    ("v1", "ping"),
    ("v2", "exec"),
    ("v2", "latex"),
    ("v2", "auth/sign-up"),
    ("v2", "compute/control"),
    ("conat/hub", "system.test"),
    ("conat/project", "system.exec"),
]
error_values = st.sampled_from(TEXTS) | st.text(max_size=40) | st.none() | st.integers()
json_bodies = st.one_of(
    st.fixed_dictionaries({"error": error_values}),
    st.fixed_dictionaries({"event": st.just("error"), "error": error_values}),
    st.fixed_dictionaries(
        {"message": st.just("Invalid request body."), "errors": st.lists(st.just({"path": ["x"]}))}
    ),
    st.fixed_dictionaries({"issues": st.dictionaries(st.text(max_size=5), st.text(max_size=5))}),
    st.fixed_dictionaries({"compile": st.just({"event": "error", "error": "x"})}),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3),
    st.lists(st.integers(), max_size=3),
).map(lambda body: json.dumps(body).encode())
raw_bodies = st.sampled_from([b"", b"<html><title>404 Page Not Found</title></html>", b"{oops"])
statuses = st.sampled_from([200, 201, 204, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503]) | (
    st.integers(min_value=100, max_value=599)
)


KINDS = (
    errors.AuthenticationError,
    errors.PermissionDeniedError,
    errors.NotFoundError,
    errors.InvalidParametersError,
    errors.UnknownEndpointError,
    errors.RateLimitError,
)


def outcome(err: BaseException) -> str:
    is_status = isinstance(err, errors.APIStatusError)
    is_response = isinstance(err, errors.APIResponseError)
    assert not (is_status and is_response), repr(err)
    return "status" if is_status else "response" if is_response else "other"


@settings(max_examples=600, deadline=None)
@given(call=st.sampled_from(CALLS), status=statuses, body=json_bodies | raw_bodies)
@example(call=("v2", "exec"), status=401, body=b'{"error": "user must be signed in"}')
@example(call=("v2", "exec"), status=200, body=b'{"error": "user must be signed in"}')
@example(
    call=("conat/project", "system.exec"),
    status=400,
    body=json.dumps(
        {"error": "timeout - callHub: subject='x', name='system.exec', code='408' "}
    ).encode(),
)
def test_an_error_is_exactly_one_of_status_response_or_other(
    call: tuple[str, str], status: int, body: bytes
) -> None:
    api, path = call
    raised: errors.CoCalcError | None = None
    try:
        result: Any = classify_response(api, path, status, {}, body)
    except errors.CoCalcError as err:  # anything else escaping fails the test by itself
        raised = err
    if raised is None:
        assert 200 <= status < 300, (status, result)
        return
    side = outcome(raised)
    failed = not 200 <= status < 300
    if side == "other":
        # Neither side: only a body that cannot be read as the JSON it should be.
        assert isinstance(raised, (errors.ResponseDecodeError, errors.ResponseTooLargeError))
        return
    assert isinstance(raised, errors.APIError)
    assert failed is (side == "status")
    assert raised.status_code == status
    if side == "status":
        assert type(raised.status_code) is int
    # A kind is caught by its kind name whichever side raised it, as that side's form.
    for kind in KINDS:
        if isinstance(raised, kind):
            form = errors.form_of(kind, from_status=failed)
            assert form is not None
            assert isinstance(raised, form)
