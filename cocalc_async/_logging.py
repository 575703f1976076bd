"""The ``cocalc_async`` logger: silent by default, never a key, never a body at INFO.

Enable it like any library logger (``logging.getLogger("cocalc_async").setLevel("DEBUG")``) or
with ``COCALC_LOG=debug|info``. Every record passes through :class:`SecretsFilter`, which masks
any API key a Client registered, in case one ever reached a message through a server's text.
"""

from __future__ import annotations

import logging
import os
import weakref
from typing import Any

from . import _defaults, _json

logger = logging.getLogger("cocalc_async")
logger.addHandler(logging.NullHandler())

_MASK = "***"


class _Secret:
    """A registered secret; weakly referenced so a closed Client's key is forgotten."""

    __slots__ = ("__weakref__", "values")

    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values


_secrets: weakref.WeakSet[_Secret] = weakref.WeakSet()


class SecretsFilter(logging.Filter):
    """Replaces registered secrets (and their Basic-auth base64 form) in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _registered()
        if not secrets:
            return True
        message = record.getMessage()
        cleaned = _mask_all(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


logger.addFilter(SecretsFilter())


def register_secret(api_key: str) -> _Secret:
    """Remember a key (and its encodings) so log records never show it. Keep the handle alive."""
    import base64

    basic = base64.b64encode(f"{api_key}:".encode()).decode()
    secret = _Secret((api_key, basic, basic.rstrip("=")))
    _secrets.add(secret)
    return secret


def scrub_error(exc: Exception) -> None:
    """Mask registered keys in an error built from a server's text (a proxy may echo a key)."""
    secrets = _registered()
    if not secrets:
        return
    for name, value in list(vars(exc).items()):
        if isinstance(value, str) and any(s in value for s in secrets):
            setattr(exc, name, _mask_all(value, secrets))
        elif isinstance(value, (dict, list)) and any(s in repr(value) for s in secrets):
            setattr(exc, name, _json.loads(_mask_all(_json.dumps(value).decode(), secrets)))
    exc.args = tuple(_mask_all(a, secrets) if isinstance(a, str) else a for a in exc.args)


def _registered() -> list[str]:
    """Every form of every key a live Client registered."""
    return [value for secret in list(_secrets) for value in secret.values if value]


def _mask_all(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, _MASK)
    return text


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
    """A DEBUG-log view of a JSON body: sensitive values masked, then truncated."""
    try:
        data = _json.loads(body)
    except _json.DECODE_ERRORS:
        text = body[: _defaults.DEBUG_BODY_CHARS].decode("utf-8", errors="replace")
        return text + ("..." if len(body) > _defaults.DEBUG_BODY_CHARS else "")
    text = _json.dumps(_mask(data, 0)).decode()
    if len(text) > _defaults.DEBUG_BODY_CHARS:
        text = text[: _defaults.DEBUG_BODY_CHARS] + "..."
    return text


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
