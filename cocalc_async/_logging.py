"""The ``cocalc_async`` logger: silent by default, never a key, never a body at INFO.

Enable it like any library logger (``logging.getLogger("cocalc_async").setLevel("DEBUG")``) or
with ``COCALC_LOG=debug|info``. Every record passes through :class:`SecretsFilter`, which masks
any API key a Client registered (see :mod:`._redact`), in case one ever reached a message through
a server's text; bodies shown at DEBUG have their sensitive fields masked, parsed or not.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from . import _defaults, _json
from ._redact import MASK, redact, register_secret, sanitize_exception

__all__ = [
    "SecretsFilter",
    "configure_from_env",
    "logger",
    "masked_body",
    "register_secret",
    "scrub_error",
]

logger = logging.getLogger("cocalc_async")
logger.addHandler(logging.NullHandler())

_MASK = MASK


class SecretsFilter(logging.Filter):
    """Redacts every registered key, in every form, in the message and the exception of a record.

    The exception is sanitised in place (its chain of causes included) so that a handler that
    formats ``exc_info`` later prints only redacted text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not hide the record; logging reports it
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            sanitize_exception(record.exc_info[1])
            record.exc_text = None  # a cached traceback text was formatted before redaction
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


logger.addFilter(SecretsFilter())


def scrub_error(exc: BaseException) -> None:
    """Redact an error built from a server's text (a proxy may echo a key), chain included."""
    sanitize_exception(exc)


def configure_from_env() -> None:
    """Honour ``COCALC_LOG=info|debug`` by attaching a stderr handler (only if asked)."""
    level = os.environ.get("COCALC_LOG", "").strip().upper()
    if level in ("DEBUG", "INFO", "WARNING") and not any(
        isinstance(h, logging.StreamHandler) and not isinstance(h, logging.NullHandler)
        for h in logger.handlers
    ):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)


def masked_body(body: bytes) -> str:
    """A DEBUG-log view of a body: sensitive values masked, keys redacted, then truncated.

    A JSON body is masked field by field. A body that does not parse (cut off, HTML, form-encoded,
    a proxy's echo) is masked by pattern: any ``"password": ...``, ``secret=...`` or
    ``auth_token: ...`` loses its value up to the next delimiter, or to the end of a cut-off text.
    """
    try:
        data = _json.loads(body)
    except _json.DECODE_ERRORS:
        text = body[: _defaults.DEBUG_BODY_CHARS * 4].decode("utf-8", errors="replace")
        text = redact(_mask_text(text))[: _defaults.DEBUG_BODY_CHARS]
        return text + ("..." if len(body) > _defaults.DEBUG_BODY_CHARS else "")
    text = redact(_json.dumps(_mask(data, 0)).decode())
    if len(text) > _defaults.DEBUG_BODY_CHARS:
        text = text[: _defaults.DEBUG_BODY_CHARS] + "..."
    return text


_FIELD_NAMES = "|".join(sorted(map(re.escape, _defaults.SENSITIVE_FIELDS), key=len, reverse=True))
# A JSON-ish string value: quoted, escapes allowed, possibly never closed (a cut-off body).
_NAME = r"""(?P<name>["']?\b(?:""" + _FIELD_NAMES + r""")["']?\s*[:=]\s*)"""
_QUOTED_VALUE = re.compile(r"(?i)" + _NAME + r'"(?:[^"\\]|\\.)*(?:"|\\?$)')
# Any other value: up to the next delimiter (form fields, YAML, unquoted JSON numbers/objects).
_BARE_VALUE = re.compile(r"(?i)" + _NAME + r"""(?!\*\*\*)[^\s"&,;}\]]+""")


def _mask_text(text: str) -> str:
    text = _QUOTED_VALUE.sub(lambda m: m.group("name") + '"***"', text)
    return _BARE_VALUE.sub(lambda m: m.group("name") + MASK, text)


def _mask(value: Any, depth: int) -> Any:
    if depth > 20:
        return "..."
    if isinstance(value, dict):
        return {
            k: (
                _MASK
                if isinstance(k, str) and k.lower() in _defaults.SENSITIVE_FIELDS
                else _mask(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v, depth + 1) for v in value]
    return value
