"""Fuzz the sans-IO classifier: whatever the status, headers and body, it returns the decoded
JSON or raises a typed ``CoCalcError``; no other exception ever escapes.

Broader than tests/reliability/test_hostile_input.py: any integer status, any header names and
values (repeated, in a multidict, hostile ``Retry-After`` forms), and JSON bodies shaped like
CoCalc's error answers with values of every type where strings are expected.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from cocalc_async import errors
from cocalc_async._sansio import classify_response

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=60)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# The keys CoCalc's answers and the classifier look at, with any value.
error_shaped = st.dictionaries(
    st.sampled_from(
        [
            "event",
            "error",
            "message",
            "errors",
            "issues",
            "reason",
            "code",
            "status",
            "compile",
            "pdf",
            "result",
            "project_id",
            "id",
        ]
    ),
    values,
    max_size=6,
)
events = st.sampled_from(
    ["error", "account_creation_failed", "pong", "project_created", "copy_path_status", ""]
)
retry_after = st.one_of(
    st.sampled_from(
        ["1", "-5", "0", "1e400", "nan", "inf", "-inf", "Infinity", "3.5", " 7 ", "", "\x00"]
    ),
    st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 2099 00:00:00 GMT", "Mon, 99"]),
    st.text(max_size=40),
)
header_pairs = st.lists(
    st.tuples(
        st.sampled_from(
            ["Retry-After", "retry-after-ms", "Content-Type", "Content-Encoding", "X-Anything"]
        )
        | st.text(min_size=1, max_size=20),
        retry_after,
    ),
    max_size=6,
)


def body_bytes() -> st.SearchStrategy[bytes]:
    shaped = st.builds(
        lambda data, event: {**data, "event": event} if event is not None else data,
        error_shaped,
        st.none() | events,
    ).map(lambda d: json.dumps(d, allow_nan=True).encode())
    return st.one_of(
        shaped,
        shaped.map(lambda b: b[: max(1, len(b) // 2)]),  # cut off
        values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
        st.binary(max_size=500),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.just(b"<html><title>502 Bad Gateway</title></html>"),
    )


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    api=st.sampled_from(["v1", "v2", "conat/hub", "conat/project"]),
    path=st.sampled_from(
        ["ping", "create_account", "auth/sign-up", "latex", "projects/create", "system.ping"]
    )
    | st.text(max_size=30),
    status=st.integers(min_value=-1000, max_value=10_000),
    pairs=header_pairs,
    body=body_bytes(),
)
def test_the_classifier_returns_or_raises_a_cocalc_error(
    api: str, path: str, status: int, pairs: list[tuple[str, str]], body: bytes
) -> None:
    headers: CIMultiDict[str] = CIMultiDict(pairs)
    caught: errors.CoCalcError | None = None
    result: Any = None
    try:
        result = classify_response(api, path, status, headers, body, request_id="r", attempts=2)
    except errors.CoCalcError as exc:
        caught = exc
    if caught is None:
        json.dumps(result, allow_nan=True)  # a result is plain JSON data
        return
    assert str(caught)  # every error can be printed ...
    assert repr(caught)
    if isinstance(caught, errors.APIError):
        assert caught.attempts == 2  # ... and carries the call's context
        assert caught.request_id == "r"
        assert caught.retry_after is None or caught.retry_after >= 0


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    api=st.sampled_from(["v1", "v2", "conat/hub", "conat/project"]),
    path=st.sampled_from(["ping", "create_account", "auth/sign-up", "latex", "system.ping"]),
    status=st.integers(min_value=-1000, max_value=10_000),
    pairs=header_pairs,
    body=body_bytes(),
)
@example(api="v1", path="ping", status=200, pairs=[], body=b'{"event": []}')
def test_the_catch_all_is_never_what_answers(
    api: str, path: str, status: int, pairs: list[tuple[str, str]], body: bytes
) -> None:
    """Below classify_response's last-resort ``except Exception`` nothing raises either: a
    crash there would turn a server's real answer into a vague ResponseDecodeError."""
    from cocalc_async._sansio import _Answer, _classify

    answer = _Answer(api, path, status, CIMultiDict(pairs), body, "r", 1)
    caught: BaseException | None = None
    try:
        _classify(answer)
    except errors.CoCalcError:
        pass
    except Exception as exc:
        caught = exc
    assert caught is None, f"{type(caught).__name__}: {caught}"
