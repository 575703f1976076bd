"""The one place the emulator asks "which parameters does this v1 event take?".

The answer comes from ``cocalc_async.spec``, the SDK's single source of truth for endpoints. The
emulator reads the spec's data but never the client code, so tests can prove the two agree.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from cocalc_async.spec import find


class ParamInfo(NamedTuple):
    name: str
    required: bool
    default: Any


@functools.cache
def v1_schema(event: str) -> tuple[ParamInfo, ...] | None:
    """The schema of v1 ``event`` in message.js order, or ``None`` when message.js lacks it."""
    endpoint = find("v1", event)
    if endpoint is None:
        return None
    return tuple(ParamInfo(p.name, bool(p.required), p.default) for p in endpoint.params)
