"""JSON encoding and decoding: orjson when installed (the ``speed`` extra), else the stdlib."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

dumps: Callable[[Any], bytes]
loads: Callable[[bytes | str], Any]

try:
    import orjson

    def _orjson_dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    dumps = _orjson_dumps
    loads = orjson.loads
    #: What a failed decode raises (orjson's error subclasses ValueError).
    DECODE_ERRORS: tuple[type[BaseException], ...] = (ValueError, RecursionError)
except ImportError:  # pragma: no cover - exercised where orjson is absent
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def _std_dumps(obj: Any) -> bytes:
        return _encoder.encode(obj).encode()

    dumps = _std_dumps
    loads = json.loads
    DECODE_ERRORS = (ValueError, RecursionError)
