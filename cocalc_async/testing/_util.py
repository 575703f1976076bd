"""Small helpers shared by the emulator modules: time stamps, ids, uuid checks, hashing."""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
import string
import time
import uuid

BASE62 = string.digits + string.ascii_letters


def now_iso(t: _dt.datetime | None = None) -> str:
    """A timestamp the way CoCalc's JSON shows it: ``2017-05-24T13:29:11.742Z``."""
    t = t or _dt.datetime.now(_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def now_ms() -> int:
    """Milliseconds since the epoch: how conat and exec jobs send times."""
    return int(time.time() * 1000)


def new_uuid() -> str:
    return str(uuid.uuid4())


def is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def random_token(n: int, alphabet: str = BASE62) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def encode62(n: int, width: int = 6) -> str:
    """Base62 with zero padding, as CoCalc's ``encode62`` writes the row id into new keys."""
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def decode62(s: str) -> int:
    n = 0
    for ch in s:
        n = n * 62 + BASE62.index(ch)
    return n


def key_hash(key: str) -> str:
    """Keys are long random secrets, so a fast hash is enough; passwords get pbkdf2 instead."""
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(key: str | None) -> str | None:
    """What the request log stores instead of a key: short, stable, not reversible."""
    if not key:
        return None
    return "fp:" + hashlib.sha256(b"cocalc-emulator:" + key.encode()).hexdigest()[:12]


_PBKDF2_ROUNDS = 20_000  # low on purpose: tests create many accounts; this is no production store


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return f"pbkdf2-sha256${_PBKDF2_ROUNDS}${salt}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        _, rounds, salt, hexdigest = stored.split("$")
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    return secrets.compare_digest(digest.hex(), hexdigest)
