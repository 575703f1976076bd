"""Printing results: human text by default, one JSON document with ``--json``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any


def jsonable(value: Any) -> Any:
    """Models (attrs), dataclasses and datetimes as plain JSON values."""
    import dataclasses

    import attrs

    if attrs.has(type(value)):
        return {k: jsonable(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def emit(as_json: bool, data: Any, human: str | None = None) -> None:
    """``data`` as JSON, or ``human`` (default: the JSON, indented) as text, on stdout."""
    if as_json:
        print(json.dumps(jsonable(data), ensure_ascii=False))
    elif human is not None:
        if human:
            print(human)
    else:
        print(json.dumps(jsonable(data), indent=2, ensure_ascii=False))


def error_line(message: str) -> None:
    from .._redact import redact

    print(f"cocalc-async: error: {redact(message)}", file=sys.stderr)


def cli_keys(args: Any = None) -> list[str]:
    """Every API key this process could have used: the environment's and the key files'."""
    import contextlib
    import os

    keys = [os.environ.get("COCALC_API_KEY") or ""]
    for path in (getattr(args, "api_key_file", None), os.environ.get("COCALC_API_KEY_FILE")):
        if path:
            from .._config import read_key_file

            with contextlib.suppress(Exception):
                keys.append(read_key_file(path))
    return [key.strip() for key in keys if key and key.strip()]


def redact_line(text: str, args: Any = None) -> str:
    """``text`` with every registered key and every key in :func:`cli_keys` masked."""
    from .._redact import redact

    return redact(text, cli_keys(args))
