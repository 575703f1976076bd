"""cocalc_async: an asyncio SDK for the CoCalc HTTP API.

``import cocalc_async`` is cheap: the client, and aiohttp with it, load on first use of a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

if TYPE_CHECKING:
    from ._config import Timeout
    from .client import Client
    from .retry import RetryPolicy
    from .transport import (
        AiohttpTransport,
        MockTransport,
        RecordingTransport,
        ReplayTransport,
        Transport,
        TransportRequest,
        TransportResponse,
    )

__all__ = [
    "NOT_GIVEN",
    "AiohttpTransport",
    "Client",
    "MockTransport",
    "NotGiven",
    "RecordingTransport",
    "ReplayTransport",
    "RetryPolicy",
    "Timeout",
    "Transport",
    "TransportRequest",
    "TransportResponse",
    "__version__",
]

_LAZY = {
    "Client": ("client", "Client"),
    "Timeout": ("_config", "Timeout"),
    "obtain_api_key": ("embed", "obtain_api_key"),
    "AiohttpTransport": ("transport", "AiohttpTransport"),
    "MockTransport": ("transport", "MockTransport"),
    "RecordingTransport": ("transport", "RecordingTransport"),
    "RetryPolicy": ("retry", "RetryPolicy"),
    "ReplayTransport": ("transport", "ReplayTransport"),
    "Transport": ("transport", "Transport"),
    "TransportRequest": ("transport", "TransportRequest"),
    "TransportResponse": ("transport", "TransportResponse"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'cocalc_async' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{target[0]}", __name__), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
