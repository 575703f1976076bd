"""What the emulator knows about CoCalc's HTTP API, read from CoCalc's own source: its contract.

The emulator never reads the SDK's spec: if both were built from the same table they would agree
by construction and a test of one against the other would prove nothing. The data lives in the
JSON files next to this module, each entry with its provenance (a CoCalc source file and line at a
named commit):

* ``v1.json``: the removed API v1, from ``src/packages/util/message.js`` (``API(...)`` events,
  their fields, ``init`` values and ``required`` flags) at 2db78fc4f7 (2021) and at 72a8eed725,
  the last commit that had v1 (2025-05-29).
* ``v2.json``: every v2 route at 5cb3315c30, the parameters its handler reads and, where the route
  declares a zod input schema, which ones the schema requires.
* ``conat.json``: every function of the conat hub and project bridges at 5cb3315c30.

The exact error texts live next to the code that answers them, each with a comment naming its
source (``src/packages/...:line @5cb3315c30`` or the recorded exchange that shows it).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, NamedTuple

_HERE = Path(__file__).resolve().parent


@functools.cache
def load(name: str) -> Any:
    """The parsed ``<name>.json`` of the contract."""
    with (_HERE / f"{name}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


class ParamInfo(NamedTuple):
    name: str
    required: bool
    default: Any


@functools.cache
def v1_schema(event: str) -> tuple[ParamInfo, ...] | None:
    """The fields of v1 ``event`` in message.js order, or ``None`` when it was no API event."""
    entry = load("v1")["events"].get(event)
    if entry is None:
        return None
    return tuple(ParamInfo(p["name"], bool(p["required"]), p["default"]) for p in entry["params"])


def v1_definition(event: str) -> str:
    """``"message2"`` or ``"message"``: how message.js defines the API event."""
    entry = load("v1")["events"].get(event) or {}
    return str(entry.get("definition", "message"))


@functools.cache
def v1_defined_events() -> frozenset[str]:
    """Every event message.js defines (API or not): asking for a non-API one is "not part of the
    HTTP API", anything else is an "unknown endpoint" (hub/api/handler.coffee:46-52 @2db78fc4f7)."""
    return frozenset(load("v1")["defined_events"]["names"])


def v2_routes() -> dict[str, Any]:
    """Route (``projects/create``) -> ``{"params": [{"name", "required"}], "source", ...}``."""
    routes: dict[str, Any] = load("v2")["routes"]
    return routes


def conat_functions(bridge: str) -> dict[str, Any]:
    """``bridge`` is ``"hub"`` or ``"project"``; name (``system.ping``) -> its entry."""
    fns: dict[str, Any] = load("conat")[bridge]
    return fns
