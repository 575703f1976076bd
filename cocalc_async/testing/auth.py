"""Who is calling: the ``Authorization`` header exactly as ``getApiKey`` parses it
(src/packages/server/auth/api.ts), and a key -> owner cache like the hub's (100 entries, 60 s), so a ping costs no query."""

from __future__ import annotations

import base64
import binascii
import time
from collections import OrderedDict
from typing import NamedTuple

from ._util import fingerprint
from .store import KeyOwner, Store

CACHE_MAX = 100
CACHE_TTL_S = 60.0


class AuthHeaderError(Exception):
    """``Unknown authorization type '<t>'``: the header names a scheme CoCalc does not know."""


class Principal(NamedTuple):
    """The caller. A project key gives ``account_id == project_id`` (v2's trick) and
    ``project_id`` set; ``owner_id`` is the account that created the key."""

    account_id: str
    project_id: str | None
    owner_id: str
    banned: bool


def parse_authorization(header: str | None) -> str | None:
    """The API key in an ``Authorization`` header, or ``None`` when there is none."""
    if not header:
        return None
    parts = header.split()
    if not parts:
        return None
    kind = parts[0]
    value = parts[1] if len(parts) > 1 else ""
    if kind == "Bearer":
        return value or None
    if kind == "Basic":
        try:
            decoded = base64.b64decode(value).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            decoded = ""
        return decoded.split(":")[0] or None
    raise AuthHeaderError(f"Unknown authorization type '{kind}'")


class KeyResolver:
    """Maps keys to principals through a small TTL cache in front of the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()

    def resolve(self, key: str) -> Principal | None:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        owner = self._store.resolve_key(key)
        principal = self._principal(owner)
        self._cache[key] = (now + CACHE_TTL_S, principal)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_MAX:
            self._cache.popitem(last=False)
        return principal

    def invalidate(self) -> None:
        """Forget everything: the emulator calls this when a key, a ban or a membership changes,
        so tests see the change at once instead of after the real server's 60 s."""
        self._cache.clear()

    def _principal(self, owner: KeyOwner | None) -> Principal | None:
        if owner is None:
            return None
        row = self._store.account(owner.account_id)
        if row is None:
            return None
        banned = bool(row["banned"])
        if owner.project_id:
            return Principal(owner.project_id, owner.project_id, owner.account_id, banned)
        return Principal(owner.account_id, None, owner.account_id, banned)


def key_fingerprint(key: str | None) -> str | None:
    return fingerprint(key)
