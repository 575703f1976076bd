"""The registries the conat bridge dispatches from, in a module of their own.

``conat`` serves the bridges and imports the function modules (``conat_system``,
``conat_projects``, ``conat_db``, ``conat_org``, ``conat_project``) so that they register; they in
turn add to the tables defined here, never to ``conat`` itself, so no module imports one that
imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .auth import Principal
from .context import Context
from .replies import HandlerError

HubFn = Callable[[Context, Principal, dict[str, Any]], Awaitable[Any]]
ProjectFn = Callable[[Context, Principal, str, dict[str, Any]], Awaitable[Any]]
HUB: dict[str, HubFn] = {}
PROJECT: dict[str, ProjectFn] = {}
#: Functions that read their positional ``args`` themselves get ``{"args": [...]}`` (the hub
#: and the project have functions of the same name, so each bridge has its own set).
RAW_ARGS: set[str] = set()
PROJECT_RAW_ARGS: set[str] = set()


def hub(name: str) -> Callable[[HubFn], HubFn]:
    def register(fn: HubFn) -> HubFn:
        HUB[name] = fn
        return fn

    return register


class BareError(HandlerError):
    """An answer the hub's message loop sends itself, without the ``Error: `` of ``${err}``
    (``system.terminate``: src/packages/server/conat/api/index.ts:113-139 @5cb3315c30)."""
