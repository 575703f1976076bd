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


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "the caller did not pass this parameter".

    Generated coroutines default every optional parameter to ``NOT_GIVEN`` and leave it out of
    the request, so the server applies its own default and none of ours is ever sent. It is
    falsy, prints as ``NOT_GIVEN`` and survives ``copy``/``pickle`` as the one instance.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"  # pickled by name: unpickling yields this module's instance


#: "Not passed": an optional parameter left at this value is not sent at all.
NOT_GIVEN = NotGiven()
