"""The embedded CoCalc emulator: ``from cocalc_async.testing import Emulator``.

Names are loaded lazily, so importing the package for the pytest plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import Emulator
    from .faults import FaultKind

__all__ = ["Emulator", "FaultKind"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from .emulator import Emulator

        return Emulator
    if name == "FaultKind":
        from .faults import FaultKind

        return FaultKind
    raise AttributeError(name)
