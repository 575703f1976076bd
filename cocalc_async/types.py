"""Public type names: the ``Json`` aliases and the :data:`NOT_GIVEN` sentinel."""

from __future__ import annotations

from ._types import NOT_GIVEN, Api, Json, JsonObject, NotGiven

__all__ = ["NOT_GIVEN", "Api", "Json", "JsonObject", "NotGiven"]
