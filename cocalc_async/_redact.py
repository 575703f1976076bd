"""One redaction layer: every error, log record, CLI line and repr that could carry a key.

A key can reach text in many shapes: raw (``sk_...``), inside ``Bearer <key>``, as the Basic
credential ``base64("<key>:")`` (padded or not, standard or URL-safe alphabet), URL-encoded in a
redirect target, escaped by ``repr`` or a JSON encoder, echoed back in a header, a reason phrase
or a body. Every live :class:`~cocalc_async.Client` registers its key here; :func:`redact` masks
every registered key in all of those forms, and any ``Basic``/``Bearer`` credential whatever its
owner. :func:`sanitize_exception` applies it to an exception and its whole chain of causes, and
replaces foreign exceptions in that chain (aiohttp's carry URLs, request headers, raw status lines)
by :class:`RedactedError`, which holds only their type name and redacted text.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MASK",
    "RedactedError",
    "Secret",
    "contains_secret",
    "key_forms",
    "redact",
    "redact_value",
    "register_secret",
    "sanitize_exception",
]

MASK = "***"

# Credentials of any client, registered or not: the scheme word followed by a token. The token
# must hold a digit or a base64/URL symbol, so that prose ("basic authentication") stays readable.
_TOKEN = r"[A-Za-z0-9+/=._~%-]"
_GENERIC = re.compile(
    r"(?i)(?P<scheme>\b(?:basic|bearer)(?:\s|%20|\+)+)"
    rf"(?P<token>(?={_TOKEN}*[0-9+/=_%-]){_TOKEN}{{8,}})"
)


class Secret:
    """A registered key; weakly referenced so a garbage-collected Client's key is forgotten."""

    __slots__ = ("__weakref__", "key")

    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return "Secret(***)"


_secrets: weakref.WeakSet[Secret] = weakref.WeakSet()
_lock = threading.Lock()
_compiled: dict[frozenset[str], re.Pattern[str] | None] = {}


def register_secret(api_key: str) -> Secret:
    """Remember ``api_key`` so that nothing this package prints shows it. Keep the handle alive."""
    secret = Secret(api_key)
    with _lock:
        _secrets.add(secret)
    return secret


def key_forms(key: str) -> tuple[str, ...]:
    """The literal forms of ``key`` that can appear in text (each also matched URL-encoded)."""
    forms = {key}
    for raw in (f"{key}:", key):
        data = raw.encode()
        for encoded in (base64.b64encode(data), base64.urlsafe_b64encode(data)):
            text = encoded.decode()
            forms.add(text)
            forms.add(text.rstrip("="))
    # Longest first: a regex alternation takes the first branch that matches.
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def _char(ch: str) -> str:
    """A regex for one character of a key: itself, %-encoded (any hex case), or \\-escaped."""
    options = [re.escape(ch)]
    encoded = "".join(f"%{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
    if encoded:
        options.append("(?i:" + re.escape(encoded) + ")")
    if ch in "\\'\"/":
        options.append(re.escape("\\" + ch))  # repr() and JSON encoders escape these
    if ch == " ":
        options.append(r"\+")
    if not ch.isascii() or not ch.isprintable():
        for escaped in (ascii(ch)[1:-1], json.dumps(ch)[1:-1]):  # \xe9, \u20ac, \ud83d\ude00
            options.append("(?i:" + re.escape(escaped) + ")")
    options = list(dict.fromkeys(options))
    return "(?:" + "|".join(options) + ")" if len(options) > 1 else options[0]


def _pattern(keys: frozenset[str]) -> re.Pattern[str] | None:
    with _lock:
        if keys in _compiled:
            return _compiled[keys]
    forms = sorted({form for key in keys for form in key_forms(key)}, key=len, reverse=True)
    pattern = (
        re.compile("|".join("".join(_char(ch) for ch in form) for form in forms)) if forms else None
    )
    with _lock:
        if len(_compiled) > 64:  # keys come and go with Clients; never grow without bound
            _compiled.clear()
        _compiled[keys] = pattern
    return pattern


def _keys(extra: Iterable[str | None]) -> frozenset[str]:
    with _lock:
        live = [secret.key for secret in list(_secrets)]
    return frozenset(k for k in (*live, *extra) if k)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """``text`` with every registered key (and ``extra`` keys), in every form, masked."""
    if not isinstance(text, str):
        text = str(text)
    pattern = _pattern(_keys(extra))
    # Repeat until stable: masking can join two fragments into a new match (bounded: each pass
    # that changes anything makes the text shorter, or the key is no longer than the mask).
    for _ in range(8):
        cleaned = _GENERIC.sub(lambda m: m.group("scheme") + MASK, text)
        if pattern is not None:
            cleaned = pattern.sub(MASK, cleaned)
        if cleaned == text:
            break
        text = cleaned
    return text


def contains_secret(text: str, extra: Iterable[str | None] = ()) -> bool:
    return redact(text, extra) != text


def redact_value(value: Any, extra: Iterable[str | None] = (), _depth: int = 0) -> Any:
    """A copy of ``value`` with every string in it (keys of mappings included) redacted.

    Mappings come back as plain dicts of strings (a header multidict, too), so the result can be
    pickled and JSON-encoded; anything else that is not a str, list, tuple or mapping is kept.
    """
    extra = tuple(extra)
    if isinstance(value, str):
        return redact(value, extra)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"), extra).encode()
    if _depth > 50:
        return MASK
    if isinstance(value, Mapping):
        items = value.items()
        if not isinstance(value, dict):  # a multidict: keep repeated headers, lose only the type
            return {
                redact(str(k), extra): redact(str(v), extra) if isinstance(v, str) else v
                for k, v in items
            }
        return {
            (redact(k, extra) if isinstance(k, str) else k): redact_value(v, extra, _depth + 1)
            for k, v in items
        }
    if isinstance(value, list):
        return [redact_value(v, extra, _depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v, extra, _depth + 1) for v in value)
    return value


class RedactedError(Exception):
    """Stands in for a third-party exception in an error's chain of causes.

    ``type_name`` is the original's qualified class name; the message is its redacted text. The
    original (aiohttp's exceptions hold the request URL and headers) is dropped.
    """

    def __init__(self, message: str, type_name: str = "") -> None:
        super().__init__(message, type_name)
        self.type_name = type_name

    def __str__(self) -> str:
        return f"{self.type_name}: {self.args[0]}" if self.type_name else str(self.args[0])

    def __repr__(self) -> str:
        return f"RedactedError({self.args[0]!r}, type_name={self.type_name!r})"

    @classmethod
    def of(cls, exc: BaseException, extra: Iterable[str | None] = ()) -> RedactedError:
        kind = type(exc)
        name = f"{kind.__module__}.{kind.__qualname__}"
        try:
            text = str(exc)
        except Exception:  # a hostile __str__ must not break error handling
            text = "<unprintable>"
        return cls(redact(text, extra), name)


def _own(exc: BaseException) -> bool:
    from .errors import CoCalcError

    return isinstance(exc, (CoCalcError, RedactedError))


def _scrub(exc: BaseException, extra: tuple[str, ...]) -> None:
    """Redact an own exception's attributes, args and notes in place."""
    state = getattr(exc, "__dict__", None)
    if state is not None:
        for name, value in list(state.items()):
            if name.startswith("__"):
                continue
            if name == "headers" and isinstance(value, Mapping):
                cleaned: Any = _plain_headers(value, extra)
            else:
                cleaned = redact_value(value, extra)
            if cleaned is not value:
                with contextlib.suppress(AttributeError):  # a read-only property stays
                    setattr(exc, name, cleaned)
    exc.args = tuple(redact_value(a, extra) for a in exc.args)
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        setattr(exc, "__notes__", [redact(str(n), extra) for n in notes])  # noqa: B010


def _plain_headers(headers: Mapping[str, Any], extra: tuple[str, ...]) -> Any:
    """Headers as a case-insensitive, picklable multidict with redacted values."""
    from multidict import CIMultiDict

    pairs = headers.items()
    return CIMultiDict((redact(str(k), extra), redact(str(v), extra)) for k, v in pairs)


def sanitize_exception(exc: BaseException, extra: Iterable[str | None] = ()) -> BaseException:
    """Redact ``exc`` and every exception in its ``__cause__``/``__context__`` chain, in place.

    Own exceptions (:class:`CoCalcError`, :class:`RedactedError`) are scrubbed attribute by
    attribute; any other exception in the chain is replaced by a :class:`RedactedError`. Returns
    ``exc`` (a foreign ``exc`` itself cannot be replaced: wrap it before raising).
    """
    keys = tuple(k for k in extra if k)
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if _own(node):
            _scrub(node, keys)
        for attr in ("__cause__", "__context__"):
            link = getattr(node, attr)
            if link is None:
                continue
            if not _own(link):
                replacement = RedactedError.of(link, keys).with_traceback(link.__traceback__)
                # Keep the shape of the chain: the stand-in links to the original's own causes.
                replacement.__cause__ = link.__cause__
                replacement.__context__ = link.__context__
                replacement.__suppress_context__ = link.__suppress_context__
                suppress = node.__suppress_context__
                setattr(node, attr, replacement)
                node.__suppress_context__ = suppress  # assigning __cause__ would set it
                link = replacement
            stack.append(link)
    return exc
