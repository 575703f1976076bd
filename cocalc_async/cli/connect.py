"""The Client a subcommand uses, built from --url / --api-key-file / the environment."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from .exit_codes import ConfigError

if TYPE_CHECKING:
    from ..client import Client


def server_url(args: argparse.Namespace) -> str | None:
    """--url, else $COCALC_URL, else None (the course commands then use the embedded emulator)."""
    url: str | None = getattr(args, "url", None) or os.environ.get("COCALC_URL") or None
    return url


def open_client(args: argparse.Namespace) -> Client:
    from .._config import read_key_file, resolve_api_key
    from ..client import Client

    key_file = getattr(args, "api_key_file", None)
    try:
        key = read_key_file(key_file) if key_file else resolve_api_key(None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the API key: {exc}") from None
    if not key and getattr(args, "command", None) == "doctor":
        key = None  # the doctor reports a missing key itself, with the rest of its findings
    elif not key:
        raise ConfigError(
            "no API key: set COCALC_API_KEY, or COCALC_API_KEY_FILE / --api-key-file to a file"
        )
    timeout = getattr(args, "timeout", None)
    try:
        if timeout is not None:
            return Client(key, base_url=server_url(args), request_timeout=timeout)
        return Client(key, base_url=server_url(args))
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
