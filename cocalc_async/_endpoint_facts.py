"""What the spec says about an endpoint, for ``Client.call``: may it be repeated, and its timeout.

Both answers come from the generated table ``_generated/policy.py``, never from the endpoint's
name. An ``(api, path)`` the spec does not know is not idempotent (repeating an unknown write
could do it twice; a caller who knows better passes ``idempotent=True``) and has no default
timeout (the Client's applies). Generated coroutines pass both facts explicitly, so the table is
loaded on the first ``Client.call`` that needs it, not with the package.
"""

from __future__ import annotations

from types import ModuleType

from ._config import Timeout

__all__ = ["default_request_timeout", "is_idempotent", "stretched_timeout"]

_policy: ModuleType | None = None


def _table() -> ModuleType:
    global _policy
    if _policy is None:
        from ._generated import policy

        _policy = policy
    return _policy


def is_idempotent(api: str, path: str) -> bool:
    """Whether the spec declares ``(api, path)`` safe to send twice; ``False`` if it is unknown."""
    idempotent: frozenset[tuple[str, str]] = _table().IDEMPOTENT
    return (api, path) in idempotent


def default_request_timeout(api: str, path: str) -> float | None:
    """The spec's HTTP timeout (s) for ``(api, path)``, or ``None``: the Client's default applies.

    Only long-running endpoints have one (exec, copies, LaTeX, Jupyter, LLM calls): long enough
    for the server's own limit on the call to answer first.
    """
    timeouts: dict[tuple[str, str], float] = _table().DEFAULT_TIMEOUTS
    return timeouts.get((api, path))


def stretched_timeout(base: Timeout, api: str, path: str) -> Timeout | None:
    """``base`` (the Client's timeout) with its total raised to the spec's for a long call.

    The connect and read limits stay the Client's. ``None`` when nothing changes: the spec sets
    no timeout for ``(api, path)``, or ``base`` already allows as long (or has no total limit).
    """
    spec = default_request_timeout(api, path)
    if spec is None or base.total is None or base.total >= spec:
        return None
    return Timeout(connect=base.connect, read=base.read, total=spec)
