"""Idempotency and default timeouts are declared in the spec and read from its generated table."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from cocalc_async import _endpoint_facts, _idempotency
from cocalc_async.spec import ENDPOINTS, Endpoint

PID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def test_idempotent_has_no_default() -> None:
    # An endpoint added without deciding whether it may be repeated must not build.
    with pytest.raises(TypeError, match="idempotent"):
        Endpoint(api="v2", path="x/get", summary="a new read")  # type: ignore[call-arg]


def test_every_endpoint_answers_as_the_spec_declares() -> None:
    assert {e.idempotent for e in ENDPOINTS} == {True, False}
    for e in ENDPOINTS:
        assert _endpoint_facts.is_idempotent(e.api, e.path) is e.idempotent, e.key
        assert _endpoint_facts.default_request_timeout(e.api, e.path) == e.default_timeout


@pytest.mark.parametrize(
    ("api", "path"),
    [
        # Names that a guess would take for reads: unknown to the spec, so never repeated.
        ("v2", "projects/get-something-new"),
        ("v2", "accounts/list"),
        ("v1", "get_everything"),
        ("conat/hub", "system.getAnything"),
        ("conat/project", "system.listingNew"),
    ],
)
def test_an_endpoint_the_spec_lacks_is_not_idempotent(api: str, path: str) -> None:
    assert _endpoint_facts.is_idempotent(api, path) is False
    assert _endpoint_facts.default_request_timeout(api, path) is None


def test_writes_are_not_idempotent_and_reads_are() -> None:
    facts = {e.key: e.idempotent for e in ENDPOINTS}
    for key in [
        ("v1", "write_text_file_to_project"),
        ("v1", "project_exec"),
        ("v2", "exec"),
        ("v2", "projects/copy-path"),
        ("v2", "projects/create"),
        ("v2", "projects/collaborators/add"),
        ("v1", "invite_noncloud_collaborators"),
        ("conat/project", "system.exec"),
        ("conat/project", "system.writeTextFileToProject"),
        ("conat/hub", "projects.createProject"),
    ]:
        assert facts[key] is False, key
    for key in [
        ("v1", "ping"),
        ("v2", "projects/get"),
        ("v2", "projects/copy-path-status"),
        ("conat/hub", "system.ping"),
        ("conat/project", "system.listing"),
    ]:
        assert facts[key] is True, key


def test_long_calls_have_a_default_timeout_that_outlasts_the_server() -> None:
    exec_v2 = _endpoint_facts.default_request_timeout("v2", "exec")
    assert exec_v2 is not None
    assert exec_v2 > 60  # the hub gives up on a project after 60 s
    assert _endpoint_facts.default_request_timeout("v2", "projects/get") is None


def test_the_old_import_path_still_works() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _idempotency.is_idempotent is _endpoint_facts.is_idempotent
        assert _idempotency.default_request_timeout is _endpoint_facts.default_request_timeout


def _limits(t: Any) -> tuple[float | None, float | None, float | None]:
    """(total, connect, read) of a Timeout, or of the aiohttp ClientTimeout made from one."""
    if hasattr(t, "sock_read"):
        return (t.total, t.sock_connect, t.sock_read)
    return (t.total, t.connect, t.read)


async def test_client_call_stretches_the_client_timeout_for_a_long_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cocalc_async import Client, Timeout

    sent: list[dict[str, Any]] = []

    async def send(request: object, **kw: Any) -> Any:
        sent.append(kw)
        return {}

    base = Timeout(connect=3, read=20, total=30)
    async with Client(api_key=None, base_url="http://127.0.0.1:9", request_timeout=base) as client:
        monkeypatch.setattr(client._session, "send", send)
        await client.call("v2", "exec", {"project_id": PID, "command": "ls"})
        await client.call("v2", "exec", {"project_id": PID, "command": "ls"}, request_timeout=5)
        await client.call("v2", "projects/get", {})
    async with Client(api_key=None, base_url="http://127.0.0.1:9", request_timeout=600) as client:
        monkeypatch.setattr(client._session, "send", send)
        await client.call("v2", "exec", {"project_id": PID, "command": "ls"})
    spec = _endpoint_facts.default_request_timeout("v2", "exec")
    assert spec is not None
    # The spec's total, the Client's connect and read limits.
    assert _limits(sent[0]["timeout"]) == (spec, 3, 20)
    assert sent[1]["timeout"].total == 5  # the caller's own wins
    # No spec timeout, or a Client that already allows longer: the Client's own applies (passed
    # on as is, or left to the session as None).
    assert sent[2]["timeout"] is None or _limits(sent[2]["timeout"]) == (30, 3, 20)
    assert sent[3]["timeout"] is None or _limits(sent[3]["timeout"])[0] == 600
    assert [kw["idempotent"] for kw in sent] == [False, False, True, False]


def test_stretched_timeout() -> None:
    from cocalc_async import Timeout

    stretch = _endpoint_facts.stretched_timeout
    spec = _endpoint_facts.default_request_timeout("v2", "exec")
    base = Timeout(connect=2, read=0.5, total=5)
    assert stretch(base, "v2", "exec") == Timeout(connect=2, read=0.5, total=spec)
    assert stretch(base, "v2", "projects/get") is None
    assert stretch(Timeout(total=None), "v2", "exec") is None


def test_a_v1_event_without_an_id_field_refuses_one_before_sending() -> None:
    from cocalc_async._sansio import build_request

    no_id = [e.path for e in ENDPOINTS if e.api == "v1" and e.param("id") is None]
    assert {"copy_path_status", "copy_path_delete"} <= set(no_id)
    for path in no_id:
        with pytest.raises(ValueError, match="takes no 'id'"):
            build_request("v1", path, {"id": PID}, base_url="http://127.0.0.1:9")
    # An event whose schema has an id takes one.
    assert build_request("v1", "ping", {"id": PID}, base_url="http://127.0.0.1:9").body


def test_latex_failures_are_found_by_the_endpoint_the_error_table_names() -> None:
    from cocalc_async._generated import error_table
    from cocalc_async._sansio import classify_response
    from cocalc_async.errors import LatexError
    from cocalc_async.spec.errors import RULES

    rule = next(r for r in RULES if r.shape == "latex_failed")
    assert error_table.ENDPOINT_SHAPES[(str(rule.api), str(rule.path))] == "latex_failed"
    body = rule.example.encode()
    with pytest.raises(LatexError):
        classify_response(str(rule.api), str(rule.path), 200, {}, body)
    # The same body from another endpoint is just data.
    assert classify_response("v2", "exec", 200, {}, body) is not None


def test_sign_up_refusals_are_found_by_the_endpoint_the_spec_names() -> None:
    from cocalc_async._generated import error_table
    from cocalc_async._sansio import classify_response
    from cocalc_async.errors import SignUpError

    declared = {e.key: e.failure_shape for e in ENDPOINTS if e.failure_shape}
    assert declared == {("v2", "auth/sign-up"): "sign_up_issues", ("v2", "latex"): "latex_failed"}
    assert declared == error_table.ENDPOINT_SHAPES
    body = b'{"issues": {"email": "is already taken"}}'
    with pytest.raises(SignUpError) as info:
        classify_response("v2", "auth/sign-up", 200, {}, body)
    assert info.value.issues == {"email": "is already taken"}
    assert classify_response("v2", "accounts/profile", 200, {}, body) == {
        "issues": {"email": "is already taken"}
    }
