"""The one place the emulator asks "which parameters does this v1 event take?".

The answer comes from ``cocalc_async.spec`` when it has the endpoint, else from the emulator's own
copy of message.js (``_v1_params``). Switching fully to the spec is a change to this file only.
The emulator reads the spec's data but never the client code, so tests can prove the two agree.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any, NamedTuple

from ._v1_params import V1_PARAMS


class ParamInfo(NamedTuple):
    name: str
    required: bool
    default: Any


@functools.cache
def v1_schema(event: str) -> tuple[ParamInfo, ...] | None:
    """The schema of v1 ``event`` in message.js order, or ``None`` when message.js lacks it."""
    found = _from_spec(event)
    if found is not None:
        return found
    raw = V1_PARAMS.get(event)
    if raw is None:
        return None
    return tuple(ParamInfo(n, r, d) for n, r, d in raw)


def _from_spec(event: str) -> tuple[ParamInfo, ...] | None:
    try:
        spec = importlib.import_module("cocalc_async.spec")
    except ImportError:
        return None
    find = getattr(spec, "find", None)
    if find is None:
        return None
    endpoint = find("v1", event)
    if endpoint is None:
        return None
    return tuple(ParamInfo(p.name, bool(p.required), p.default) for p in endpoint.params)
