"""Idempotency and default timeouts are declared in the spec and read from its generated table."""

from __future__ import annotations

import warnings

import pytest

from cocalc_async import _endpoint_facts, _idempotency
from cocalc_async.spec import ENDPOINTS, Endpoint


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
