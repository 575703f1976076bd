"""Database user queries (v1 ``query``, v2 ``user-query``)."""

from __future__ import annotations

import attrs

from .._types import Json


@attrs.frozen
class QueryResult:
    """``query`` mirrors the input with the ``null`` values filled in; ``{}`` after a set."""

    query: Json
    multi_response: bool = False
