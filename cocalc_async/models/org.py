"""Organizations (conat ``org.*``), as typed in CoCalc's ``conat/hub/api/org.ts``."""

from __future__ import annotations

import attrs


@attrs.frozen
class Organization:
    """``org.get`` and one row of ``org.getAll``."""

    name: str
    title: str | None = None
    description: str | None = None
    link: str | None = None
    email_address: str | None = None
    #: ``None`` when the organization has none: a real hub sends ``null`` then.
    admin_account_ids: list[str] | None = None


@attrs.frozen
class OrgMember:
    """One row of ``org.getUsers``."""

    account_id: str
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None


@attrs.frozen
class OrgToken:
    """``org.createToken``: a token and the URL that signs in with it."""

    token: str
    url: str
