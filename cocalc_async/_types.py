"""Type aliases shared by the whole package."""

from __future__ import annotations

from typing import Literal, TypeAlias

#: Parsed JSON, as returned by ``Client.call`` and by endpoints whose shape is not modelled.
Json: TypeAlias = dict[str, "Json"] | list["Json"] | str | int | float | bool | None
#: A JSON object.
JsonObject: TypeAlias = dict[str, Json]

#: The HTTP surfaces of CoCalc that ``Client.call`` speaks.
Api: TypeAlias = Literal["v1", "v2", "conat/hub", "conat/project"]
API_NAMES: frozenset[str] = frozenset({"v1", "v2", "conat/hub", "conat/project"})
