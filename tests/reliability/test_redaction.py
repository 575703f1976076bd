"""No form of the key survives anywhere a user could look: str, repr, args, tracebacks, pickles,
log records (with ``exc_info``) and the CLI's stderr.

The property tests build errors the way the Session does (an SDK error raised from an aiohttp
error, itself with a context), put one form of the key somewhere in that chain, and look
everywhere. The end-to-end tests make a loopback server do what the red team's did: redirect to
``ftp://host/<key>`` or ``http://[<key>``, echo the request in a malformed status line or a
reason phrase, echo the credential in a header or a body.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import pickle
import traceback
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from cocalc_async import Client, errors
from cocalc_async._logging import logger, masked_body
from cocalc_async._redact import RedactedError, redact, register_secret, sanitize_exception
from cocalc_async.cli import main as cli_main

# Keys as resolve_api_key accepts them: no whitespace, no control character, no ':'. Letters of
# other scripts and URL/repr/JSON-special punctuation are in, to exercise every escaping.
KEY_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S"),
    exclude_characters=":",
)
keys = st.text(KEY_ALPHABET, min_size=8, max_size=40).filter(lambda k: k.strip() == k)


def basic(key: str) -> str:
    return base64.b64encode(f"{key}:".encode()).decode()


FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda k: k,
    "bearer": lambda k: f"Authorization: Bearer {k}",
    "basic": lambda k: f"Authorization: Basic {basic(k)}",
    "basic-unpadded": lambda k: basic(k).rstrip("="),
    "basic-urlsafe": lambda k: base64.urlsafe_b64encode(f"{k}:".encode()).decode().rstrip("="),
    "url-quoted": lambda k: urllib.parse.quote(k, safe=""),
    "url-quoted-lower": lambda k: "".join(
        part.lower() if part.startswith("%") else part
        for part in _pct_parts(urllib.parse.quote(k, safe=""))
    ),
    "url-plus": lambda k: urllib.parse.quote_plus(k),
    "yarl-path": lambda k: str(URL.build(scheme="ftp", host="host", path="/" + k)),
    "yarl-query": lambda k: str(URL("https://x.example/").with_query(api_key=k)),
    "repr": lambda k: repr(k),
    "ascii": lambda k: ascii(k),
    "json": lambda k: json.dumps(k),
    "json-utf8": lambda k: json.dumps(k, ensure_ascii=False),
    "basic-in-url": lambda k: urllib.parse.quote(f"Basic {basic(k)}", safe=""),
}


def _pct_parts(text: str) -> list[str]:
    parts, i = [], 0
    while i < len(text):
        if text[i] == "%":
            parts.append(text[i : i + 3])
            i += 3
        else:
            parts.append(text[i])
            i += 1
    return parts


def leaks(text: str, key: str) -> list[str]:
    """Which forms of ``key`` are readable in ``text``."""
    found = []
    for name in ("raw", "basic-unpadded", "basic-urlsafe", "url-quoted", "json", "repr"):
        form = FORMS[name](key)
        form = form.strip("'\"") if name in ("json", "repr") else form
        if form and form in text:
            found.append(name)
    return found


def everything_about(exc: BaseException) -> str:
    """Every text a user can get out of an exception."""
    texts = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
    texts.append(repr(vars(exc)))
    node: BaseException | None = exc
    while node is not None:
        texts += [str(node), repr(node), repr(node.args)]
        node = node.__cause__ or node.__context__
    clone = pickle.loads(pickle.dumps(exc))
    texts += [str(clone), repr(clone), repr(clone.args), repr(vars(clone))]
    return "\n".join(texts)


@contextlib.contextmanager
def captured_logs(name: str) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    log = logging.getLogger(name)
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)


def build_chain(text: str, where: str) -> errors.CoCalcError:
    """An SDK error whose chain holds ``text`` at ``where``, as the Session raises them."""
    inner = ValueError(text if where == "context" else "inner")
    try:
        try:
            raise inner
        except ValueError:
            raise aiohttp.ClientOSError(
                0, text if where == "cause" else "Can not write request body"
            ) from None
    except aiohttp.ClientOSError as transport:
        if where == "context":
            transport.__context__ = inner
            transport.__suppress_context__ = False
        if where == "note":
            setattr(transport, "__notes__", [text])  # noqa: B010  (add_note is 3.11+)
        message = text if where == "message" else "connection failed"
        error: errors.CoCalcError
        if where in ("body", "headers"):
            error = errors.BadGatewayError(
                "HTTP 502",
                endpoint="v1/ping",
                status_code=502,
                body={"error": text, "nested": [{"k": text}]} if where == "body" else None,
                body_excerpt=text[:300] if where == "body" else "",
                headers={"X-Echo": text} if where == "headers" else None,
            )
        else:
            error = errors.APIConnectionError(message, endpoint="v1/ping")
        error.__cause__ = transport
        return error


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=keys,
    form=st.sampled_from(sorted(FORMS)),
    where=st.sampled_from(["message", "cause", "context", "note", "body", "headers"]),
    prefix=st.text(max_size=20),
    suffix=st.text(max_size=20),
)
def test_no_form_of_the_key_survives_anywhere_in_the_chain(
    key: str, form: str, where: str, prefix: str, suffix: str
) -> None:
    handle = register_secret(key)  # what a live Client does
    text = prefix + FORMS[form](key) + suffix
    error = build_chain(text, where)
    sanitize_exception(error)
    assert not leaks(everything_about(error), key), (form, where)
    # Logged with exc_info by an application (its logger has no filter of ours: the error
    # itself must be clean), and through the SDK's logger, whose filter masks even raw text.
    with captured_logs("an.application") as stream:
        logging.getLogger("an.application").error("call failed: %s", error, exc_info=error)
    assert not leaks(stream.getvalue(), key), (form, where)
    with captured_logs("cocalc_async") as stream:
        logger.error("call failed: %s %r", text, error, exc_info=error)
    assert not leaks(stream.getvalue(), key), (form, where)
    del handle


@settings(max_examples=150, deadline=None)
@given(key=keys, form=st.sampled_from(sorted(FORMS)), filler=st.text(max_size=30))
def test_redact_masks_every_form_and_keeps_other_text(key: str, form: str, filler: str) -> None:
    text = f"before {FORMS[form](key)} {filler} after"
    cleaned = redact(text, [key])
    assert not leaks(cleaned, key)
    assert cleaned.startswith("before ")
    assert cleaned.endswith(" after")


def test_a_foreign_cause_is_replaced_by_its_redacted_text() -> None:
    key = "sk_Foreign_Cause_0123456789"
    handle = register_secret(key)
    error = build_chain(f"redirected to ftp://host/{key}", "cause")
    sanitize_exception(error)
    cause = error.__cause__
    assert isinstance(cause, RedactedError)
    assert cause.type_name == "aiohttp.client_exceptions.ClientOSError"
    assert "ftp://host/***" in str(cause)
    assert cause.__traceback__ is not None  # the frames stay for debugging; only text changed
    del handle


# --- end to end: a hostile server on loopback -------------------------------------------------

KEY = "sk_Hostile-Server.Key_0123456789"


@pytest.fixture
async def hostile() -> AsyncIterator[Callable[[Callable[[bytes], bytes]], Any]]:
    """Start a raw TCP server answering each request head with ``respond(head)``."""
    servers: list[asyncio.Server] = []

    async def start(respond: Callable[[bytes], bytes]) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(respond(head))
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _line_with(head: bytes, name: bytes) -> bytes:
    return next(line for line in head.split(b"\r\n") if line.lower().startswith(name))


HOSTILE: dict[str, Callable[[bytes], bytes]] = {
    "redirect-ftp": lambda head: (
        f"HTTP/1.1 307 Temporary Redirect\r\nLocation: ftp://host/{KEY}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode(),
    "redirect-bad-url": lambda head: (
        f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://[{KEY}\r\nContent-Length: 0\r\n\r\n"
    ).encode(),
    "status-line-echo": lambda head: b"HTTP/1.1 2x0 " + head.replace(b"\r\n", b" ") + b"\r\n\r\n",
    "garbage-protocol-echo": lambda head: b"XTTP/1.1 200 " + head.replace(b"\r\n", b" ") + b"\r\n",
    "reason-phrase-echo": lambda head: (
        b"HTTP/1.1 502 " + _line_with(head, b"authorization") + b"\r\nContent-Length: 0\r\n\r\n"
    ),
    "header-echo": lambda head: (
        b"HTTP/1.1 502 Bad Gateway\r\nX-Echo: "
        + _line_with(head, b"authorization")
        + f"\r\nX-Key: {KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}".encode()
    ),
    "body-echo": lambda head: (
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: "
        + str(len(head)).encode()
        + b"\r\n\r\n"
        + head
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_a_hostile_server_never_gets_the_key_into_an_error(
    hostile: Callable[[Callable[[bytes], bytes]], Any], kind: str
) -> None:
    url = await hostile(HOSTILE[kind])
    with captured_logs("cocalc_async") as logs:
        async with Client(KEY, base_url=url, max_retries=0, request_timeout=5) as client:
            with pytest.raises(errors.CoCalcError) as info:
                await client.call("v1", "ping")
            logger.error("the call failed", exc_info=info.value)
    error = info.value
    assert not isinstance(error, TypeError)
    text = everything_about(error) + logs.getvalue()
    assert not leaks(text, KEY), kind
    assert "Basic " + basic(KEY).rstrip("=") not in text


@pytest.mark.parametrize("kind", ["header-echo", "status-line-echo", "body-echo"])
@pytest.mark.parametrize("debug", [False, True])
def test_the_cli_never_prints_the_basic_credential(
    kind: str,
    debug: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI runs its own loop; the hostile server runs in a thread's loop."""
    import threading

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(HOSTILE[kind](head))
                await writer.drain()
            writer.close()

        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(handle, "127.0.0.1", 0), loop
        ).result(5)
        port = server.sockets[0].getsockname()[1]
        monkeypatch.setenv("COCALC_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("COCALC_API_KEY", KEY)
        code = cli_main([*(["--debug"] if debug else []), "ping"])

        async def close_server() -> None:
            server.close()
            await server.wait_closed()

        # asyncio servers are not thread-safe: close it on the loop (and thread) that owns it.
        asyncio.run_coroutine_threadsafe(close_server(), loop).result(5)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        logging.getLogger("cocalc_async").setLevel(logging.NOTSET)
    captured = capsys.readouterr()
    assert code != 0
    assert "cocalc-async: error:" in captured.err
    assert not leaks(captured.err + captured.out, KEY), captured.err
    assert basic(KEY).rstrip("=") not in captured.err


def test_debug_bodies_that_are_not_json_are_masked() -> None:
    for body in (
        b'{"auth_token": "tok-SECRET-1", "project_id": "p"',  # cut off
        b'{"path": "a.txt", "content": "FILE-CONTENTS-SECRET \\" still in',
        b"password=SECRET-PASS&user=bob",
        b"<html><pre>secret: SECRET-VALUE</pre></html>",
        b"{'token': 'SECRET-TOKEN'}",
    ):
        shown = masked_body(body)
        assert "SECRET" not in shown, shown
        assert "***" in shown
    assert masked_body(b'{"project_id": "p", "x": 1') == '{"project_id": "p", "x": 1'


def test_every_error_kind_survives_a_pickle_round_trip() -> None:
    """Errors cross process boundaries; a response's header proxy used to make pickling fail."""
    from multidict import CIMultiDict, CIMultiDictProxy

    headers = CIMultiDictProxy(CIMultiDict([("Retry-After", "1"), ("Set-Cookie", "a=1")]))
    samples: list[errors.CoCalcError] = [
        errors.BadGatewayError("HTTP 502", endpoint="v1/ping", status_code=502, headers=headers),
        errors.RateLimitError("slow down", status_code=429, retry_after=1.5, headers=headers),
        errors.APITimeoutError("timed out", endpoint="v1/ping", may_have_reached_server=False),
        errors.CopyFailedError({"error": "boom"}),
        errors.PollTimeoutError({"state": "running"}),
        errors.ExecFailedError("exit 3", stdout="out", exit_code=3),
        errors.ResponseValidationError("bad", path="$.now", model="Pong"),
    ]
    for error in samples:
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.args == error.args
        for name, value in vars(error).items():
            if name == "headers":
                copied = vars(clone)["headers"]
                assert list(copied.items()) == list(value.items())
                assert copied["retry-after"] == "1"  # still case-insensitive
            else:
                assert getattr(clone, name) == value, name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=keys,
    form=st.sampled_from(sorted(FORMS)),
    where=st.sampled_from(["message", "cause", "context", "note", "body", "headers"]),
    debug=st.booleans(),
)
def test_the_cli_stderr_never_shows_the_key(key: str, form: str, where: str, debug: bool) -> None:
    """The CLI prints after its Client is gone (nothing registered): it masks the keys of
    ``COCALC_API_KEY`` itself, in every form, in the error line and the --debug traceback."""
    import argparse
    import os
    from contextlib import redirect_stderr

    from cocalc_async.cli import report_error

    error = build_chain(f"echo: {FORMS[form](key)} :end", where)
    stream = io.StringIO()
    saved = os.environ.get("COCALC_API_KEY")
    os.environ["COCALC_API_KEY"] = key
    try:
        with redirect_stderr(stream):
            report_error(error, argparse.Namespace(debug=debug, api_key_file=None))
    finally:
        if saved is None:
            del os.environ["COCALC_API_KEY"]
        else:
            os.environ["COCALC_API_KEY"] = saved
    text = stream.getvalue()
    assert text.startswith("Traceback" if debug else "cocalc-async: error:")
    assert not leaks(text, key), (form, where, text)


def test_any_basic_or_bearer_credential_is_masked_but_prose_is_not() -> None:
    assert redact("Authorization: Basic c2tfYWJjZGVmOg==") == "Authorization: Basic ***"
    assert redact("authorization=Bearer%20sk_live_abc123xyz") == "authorization=Bearer%20***"
    assert redact("the proxy wants Basic authentication") == "the proxy wants Basic authentication"
    assert redact("Bearer tokens are refused here") == "Bearer tokens are refused here"


def test_a_forgotten_client_key_is_no_longer_masked_and_a_live_one_is() -> None:
    import gc

    key = "sk_ephemeral_Key_4242424242"
    handle = register_secret(key)
    assert redact(f"echo {key}") == "echo ***"
    del handle
    gc.collect()
    assert redact(f"echo {key}") == f"echo {key}"  # the registry holds no key past its Client
    assert redact(f"echo {key}", [key]) == "echo ***"  # the CLI passes the keys it knows
