"""v2 ``auth/*`` replies."""

from __future__ import annotations

import attrs


@attrs.frozen
class SignedIn:
    """``auth/sign-in``, ``sign-up``, ``redeem-password-reset``: the account now signed in."""

    account_id: str


@attrs.frozen
class EphemeralAccount:
    account_id: str
    project_id: str | None = None


@attrs.frozen
class HasPassword:
    hasPassword: bool  # the wire name, kept so the model reads like the reply


@attrs.frozen
class PasswordResetSent:
    success: str


@attrs.frozen
class PasswordStrength:
    """zxcvbn's score, 0 (weak) to 4 (strong)."""

    score: int
    help: str | None = None
