"""Accounts: names, search, profile, API keys and the v1 account events."""

from __future__ import annotations

import attrs

from .._types import Json, JsonObject


@attrs.frozen
class AuthToken:
    """v1 ``user_auth_token``: a 24-character token valid for 12 hours."""

    auth_token: str


@attrs.frozen
class UserSearchHit:
    account_id: str
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    last_active: Json = None
    created: Json = None


@attrs.frozen
class UserSearchResult:
    """v1 ``user_search_results``."""

    results: list[UserSearchHit]


@attrs.frozen
class Username:
    first_name: str | None = None
    last_name: str | None = None


@attrs.frozen
class UsernameMap:
    """v1 ``usernames``: account_id -> name."""

    usernames: dict[str, Username]


@attrs.frozen
class AccountCreated:
    """v1 ``account_created`` (failures arrive as ``AccountCreationFailedError``)."""

    account_id: str


@attrs.frozen
class AccountDeleted:
    """v1 ``account_deleted``; ``error`` is set when it did not happen."""

    error: Json = None


@attrs.frozen
class ChangedEmailAddress:
    """v1 ``changed_email_address``: ``error`` is ``false`` or a reason (``email_already_taken``)."""

    error: Json = False
    ttl: float | None = None

    @property
    def ok(self) -> bool:
        return self.error in (False, None)


@attrs.frozen
class ChangedPassword:
    """v1 ``changed_password``; ``error`` is set when it did not happen."""

    error: Json = None


@attrs.frozen
class ForgotPasswordResponse:
    error: Json = False


@attrs.frozen
class ResetForgotPasswordResponse:
    error: Json = False


@attrs.frozen
class AvailableUpgrades:
    """v1 ``available_upgrades``."""

    total: JsonObject = attrs.field(factory=dict)
    excess: JsonObject = attrs.field(factory=dict)
    available: JsonObject = attrs.field(factory=dict)


@attrs.frozen
class EmailAddress:
    """v2 ``accounts/get-email-address``."""

    email_address: str | None = None


@attrs.frozen
class AccountName:
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    profile: JsonObject | None = None  # conat ``system.getNames``: {color, image}


@attrs.frozen
class AccountNames:
    """v2 ``accounts/get-names``: missing or deleted accounts are simply absent."""

    names: dict[str, AccountName]


@attrs.frozen
class Profile:
    account_id: str
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    image: str | None = None
    color: str | None = None
    email_address: str | None = None
    is_admin: bool | None = None
    is_partner: bool | None = None
    is_anonymous: bool | None = None


@attrs.frozen
class ProfileResponse:
    """v2 ``accounts/profile``."""

    profile: Profile


@attrs.frozen
class AccountSearchHit:
    """One row of v2 ``accounts/search`` (a bare array) or conat ``system.userSearch``."""

    account_id: str
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    last_active: Json = None
    created: Json = None
    email_address_verified: Json = None
    email_address: str | None = None
    #: Only in an admin's search (UserSearchResult, util/db-schema/accounts.ts:1149 @5cb3315c30).
    banned: bool | None = None


@attrs.frozen
class ApiKey:
    id: int
    account_id: str | None = None
    created: Json = None
    expire: Json = None
    name: str | None = None
    trunc: str | None = None
    last_active: Json = None
    project_id: str | None = None
    #: Only in the reply to ``create``: the one time the secret is shown.
    secret: str | None = None


@attrs.frozen
class ApiKeysResponse:
    """v2 ``api-keys``: the keys for ``get``/``create``, nothing for ``delete``/``edit``."""

    response: list[ApiKey] | None = None
