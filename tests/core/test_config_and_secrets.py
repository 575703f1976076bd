"""Configuration from arguments, environment and credentials file; the key never leaks."""

from __future__ import annotations

import base64
import logging
import os
import traceback
from pathlib import Path

import pytest

from cocalc_async import Client, Timeout, errors
from cocalc_async._config import resolve_api_key, resolve_base_url

from .conftest import API_KEY
from .scripted_server import ScriptedServer, html, reply, reset

KEY_FORMS = (API_KEY, base64.b64encode(f"{API_KEY}:".encode()).decode().rstrip("="))


def assert_no_key(text: str) -> None:
    for form in KEY_FORMS:
        assert form not in text


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COCALC_API_KEY", "COCALC_API_KEY_FILE", "COCALC_URL", "COCALC_LOG"):
        monkeypatch.delenv(name, raising=False)


def test_key_and_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCALC_API_KEY", "sk_from_env")
    monkeypatch.setenv("COCALC_URL", "http://127.0.0.1:5000/")
    client = Client()
    assert client.base_url == "http://127.0.0.1:5000"
    assert resolve_api_key(None) == "sk_from_env"
    assert resolve_api_key("sk_explicit") == "sk_explicit"


def test_key_file_is_read_and_a_loose_mode_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "testuser.yaml"
    path.write_text("# credentials\napi_key: sk_from_file   # my key\n")
    os.chmod(path, 0o600)
    monkeypatch.setenv("COCALC_API_KEY_FILE", str(path))
    assert resolve_api_key(None) == "sk_from_file"
    os.chmod(path, 0o644)
    with pytest.warns(UserWarning, match="chmod 600"):
        assert resolve_api_key(None) == "sk_from_file"


def test_key_file_problems_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCALC_API_KEY_FILE", str(tmp_path / "missing.yaml"))
    with pytest.raises(ValueError, match="cannot read the API key file"):
        resolve_api_key(None)
    empty = tmp_path / "empty.yaml"
    empty.write_text("user: me\n")
    os.chmod(empty, 0o600)
    monkeypatch.setenv("COCALC_API_KEY_FILE", str(empty))
    with pytest.raises(ValueError, match="no 'api_key"):
        resolve_api_key(None)


@pytest.mark.parametrize("bad", ["sk_a b", "sk_a\nInjected: 1", "sk:x"])
def test_keys_that_would_break_the_header_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError, match="api_key contains") as info:
        Client(bad, base_url="http://127.0.0.1:1")
    assert bad not in str(info.value)


def test_base_url_validation_and_plain_http_warning() -> None:
    with pytest.raises(ValueError, match="http"):
        resolve_base_url("ftp://example.org")
    with pytest.raises(ValueError, match="credentials"):
        resolve_base_url("https://user:pw@example.org")
    with pytest.warns(UserWarning, match="unencrypted"):
        resolve_base_url("http://cocalc.example.org")
    assert resolve_base_url("https://cocalc.com/prefix/") == "https://cocalc.com/prefix"


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"request_timeout": 0}, ValueError),
        ({"request_timeout": "60"}, TypeError),
        ({"connect_timeout": "10"}, TypeError),
        ({"connect_timeout": 0}, ValueError),
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.5}, TypeError),
        ({"retry": 3}, TypeError),
        ({"max_concurrency": 0}, ValueError),
        ({"connection_limit": 1.5}, TypeError),
        ({"auth": "digest"}, ValueError),
        ({"verify_ssl": "no"}, TypeError),
    ],
)
def test_bad_constructor_arguments(kwargs: dict[str, object], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        Client(API_KEY, base_url="http://127.0.0.1:1", **kwargs)  # type: ignore[arg-type]


def test_timeout_coercion() -> None:
    assert Timeout.coerce(30) == Timeout(connect=10.0, read=None, total=30.0)
    assert Timeout.coerce(2).connect == 2.0
    with pytest.raises(ValueError, match="read must be > 0"):
        Timeout(read=-1)


def test_turning_off_tls_verification_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cocalc_async"):
        Client(API_KEY, base_url="https://127.0.0.1:1", verify_ssl=False)
    assert "verification is OFF" in caplog.text


async def test_the_key_never_appears_in_logs_reprs_or_errors(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/api/v1/ping"
    server.push(
        path,
        html(502, "Bad Gateway"),
        reply(200, {"error": "No account found. Is your API key wrong?"}),
    )
    server.push("/api/v1/create_project", reset())
    collected: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="cocalc_async"):
        async with Client(API_KEY, base_url=server.url) as client:
            collected += [repr(client), str(client), repr(client.session)]
            for call in (("v1", "ping"), ("v1", "create_project")):
                try:
                    await client.call(call[0], call[1], {"password": "hunter2", "api_key": API_KEY})
                except errors.CoCalcError as exc:
                    collected += [str(exc), repr(exc), traceback.format_exc()]
            # even a message that carries the key (e.g. echoed by a server) is masked
            logging.getLogger("cocalc_async").debug("echo %s", API_KEY)
    assert len(collected) == 9
    text = "\n".join(collected) + caplog.text
    assert "request_id=" in caplog.text
    assert "retrying" in caplog.text
    assert_no_key(text)
    assert "hunter2" not in caplog.text
    assert "***" in caplog.text
