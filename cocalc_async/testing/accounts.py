"""Account rules the hub applies: password strength, valid email addresses, who may create
accounts with an API key. Shared by the v2 sign-up route and the conat invite functions."""

from __future__ import annotations

import datetime
import re
from typing import Any

from ._util import is_uuid, now_iso
from .auth import Principal
from .context import Context
from .replies import HandlerError

#: src/packages/util/auth.ts @5cb3315c30: MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH and the
#: zxcvbn score a password must exceed.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 64
MIN_PASSWORD_STRENGTH = 2

#: assertTrusted for an on-prem hub (src/packages/next/lib/api/assert-trusted.ts:24-28
#: @5cb3315c30); sign-up reports it as ``${err}``, hence the ``Error: `` prefix.
NOT_TRUSTED = "Error: Only users in the group 'admin' are allowed to create new users."
NO_ANONYMOUS_API = "Creation of anonymous accounts via the API is not allowed."

# A pragmatic form of the RFC 822 expression in src/packages/util/misc.ts:414
# (``is_valid_email_address``): one @, no spaces or control characters, a dotted domain.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\"\\\[\]]+@[^@\s\x00-\x1f\"\\\[\]]+\.[^@\s\x00-\x1f.\"]+$")


_BAD_IDS = "invalid account_id or project_id -- all must be valid uuid's"


def is_member(ctx: Context, account_id: str, project_id: Any) -> bool:
    """CoCalc's ``isCollaborator`` (src/packages/server/projects/is-collaborator.ts:10-33
    @5cb3315c30): owner or collaborator; admins are not members; bad ids throw."""
    if not is_uuid(account_id) or not is_uuid(project_id):
        raise HandlerError(_BAD_IDS)
    if account_id == project_id:
        return True
    return ctx.store.is_collaborator(account_id, str(project_id))


def is_valid_email_address(email: object) -> bool:
    return isinstance(email, str) and _EMAIL.match(email) is not None


def password_strength(password: str) -> tuple[int, str | None]:
    """zxcvbn's score 0..4 and CoCalc's help text for a weak one
    (src/packages/server/auth/password-strength.ts @5cb3315c30, which uses zxcvbn-ts).

    The Python ``zxcvbn`` port is used when it is installed; it scores like zxcvbn-ts on
    common passwords but not always identically. Without it a small estimate stands in:
    the character classes and length, with the obvious dictionary words scoring 0."""
    try:
        import zxcvbn  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return _estimate(password)
    result: dict[str, Any] = zxcvbn.zxcvbn(password[:MAX_PASSWORD_LENGTH])
    score = int(result["score"])
    feedback = result.get("feedback") or {}
    return score, _help(score, str(feedback.get("warning") or ""), feedback.get("suggestions"))


#: The Python port words its feedback as the original zxcvbn did; CoCalc's zxcvbn-ts with
#: @zxcvbn-ts/language-en says it differently (recorded: flow-course-instructor/signup-weak,
#: "This is a heavily used password." / "Add more words that are less common."). Only those two
#: are confirmed by a recording; the others follow @zxcvbn-ts/language-en's translation keys.
ZXCVBN_TS_TEXT = {
    "This is a top-10 common password.": "This is a heavily used password.",
    "This is a top-100 common password.": "This is a frequently used password.",
    "This is a very common password.": "This is a commonly used password.",
    "A word by itself is easy to guess.": "Single words are easy to guess.",
    "Names and surnames by themselves are easy to guess.":
        "Single names or surnames are easy to guess.",
    "Straight rows of keys are easy to guess.":
        "Straight rows of keys on your keyboard are easy to guess.",
    'Repeats like "aaa" are easy to guess.': 'Repeated characters like "aaa" are easy to guess.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        'Repeated character patterns like "abcabcabc" are easy to guess.',
    'Sequences like "abc" or "6543" are easy to guess.':
        'Common character sequences like "abc" are easy to guess.',
    "Dates are often easy to guess.": "Dates are easy to guess.",
    "Add another word or two. Uncommon words are better.": "Add more words that are less common.",
    "Use a few words, avoid common phrases.": "Use multiple words, but avoid common phrases.",
    "No need for symbols, digits, or uppercase letters.":
        "You can create strong passwords without using symbols, numbers, or uppercase letters.",
    "Use a longer keyboard pattern with more turns.":
        "Use longer keyboard patterns and change typing direction multiple times.",
    "Avoid sequences.": "Avoid common character sequences.",
    "Capitalization doesn't help very much.": "Capitalize more than the first letter.",
    "All-uppercase is almost as easy to guess as all-lowercase.":
        "Capitalize some, but not all letters.",
    "Reversed words aren't much harder to guess.": "Avoid reversed spellings of common words.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        "Avoid predictable letter substitutions like '@' for 'a'.",
}  # fmt: skip


def _ts(text: str) -> str:
    return ZXCVBN_TS_TEXT.get(text, text)


def _help(score: int, warning: str, suggestions: Any) -> str | None:
    if score > MIN_PASSWORD_STRENGTH:
        return None
    tips = "\n ".join(_ts(str(s)) for s in suggestions) if isinstance(suggestions, list) else ""
    return f"Password is too weak. {_ts(warning)}\n {tips}"


_COMMON = {"password", "passw0rd", "12345678", "123456789", "qwertyui", "letmein1", "iloveyou"}


def _estimate(password: str) -> tuple[int, str | None]:
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) <= 2:
        return 0, _help(0, "This is a top-10 common password.", [])
    classes = sum(
        bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^\w]")
    )
    score = min(4, max(0, (len(password) - 6) // 3 + classes - 1))
    return score, _help(score, "", ["Add another word or two. Uncommon words are better."])


def sign_up_issues(terms: Any, email: str, password: str) -> dict[str, str]:
    """``checkObviousConditions`` (src/packages/next/pages/api/v2/auth/sign-up.ts:271-294
    @5cb3315c30): checked before anything else, even before the key's trust."""
    issues: dict[str, str] = {}
    if not terms:
        issues["terms"] = "You must agree to the terms of usage."
    if not email or not is_valid_email_address(email):
        issues["email"] = f"You must provide a valid email address -- '{email}' is not valid."
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        issues["password"] = "Your password must not be very easy to guess."
    elif len(password) > MAX_PASSWORD_LENGTH:
        issues["password"] = f"Your password must be at most {MAX_PASSWORD_LENGTH} characters long."
    else:
        score, help_text = password_strength(password)
        if score <= MIN_PASSWORD_STRENGTH:
            issues["password"] = help_text or "Your password is too easy to guess."
    return issues


def delete_project(ctx: Context, who: Principal | None, project_id: Any) -> str:
    """src/packages/server/projects/delete.ts:28-51 @5cb3315c30, shared by v2
    ``projects/delete`` and conat ``projects.deleteProject``: any collaborator (not only the
    owner, whatever the text says) or an admin may delete; the project is stopped."""
    if not is_uuid(project_id):
        raise HandlerError("project_id must be a valid UUID")
    if who is None:
        raise HandlerError("must be signed in")
    pid = str(project_id)
    if not ctx.store.is_admin(who.account_id) and not is_member(ctx, who.account_id, pid):
        raise HandlerError("must be an owner to delete a project")
    if ctx.store.project(pid) is not None:
        ctx.store.update_project(pid, deleted=1, state="opened")
    return pid


# -- API keys (src/packages/server/api/manage.ts @5cb3315c30) ------------------------------------

MAX_API_KEYS = 100000  # manage.ts:36


def _iso_or_none(epoch_s: Any) -> str | None:
    if epoch_s is None:
        return None
    return now_iso(datetime.datetime.fromtimestamp(float(epoch_s), datetime.timezone.utc))


def _expire_s(expire: Any) -> float | None:
    """``expire`` as JSON brings it: ms since the epoch or an ISO date; None for none."""
    if expire is None or isinstance(expire, bool):
        return None
    if isinstance(expire, (int, float)):
        return float(expire) / 1000
    try:
        text = str(expire).replace("Z", "+00:00")
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def key_json(row: Any) -> dict[str, Any]:
    """The columns manage.ts selects, in its order."""
    return {"id": row["id"], "account_id": row["account_id"],
            "expire": _iso_or_none(row["expire"]), "created": row["created"],
            "name": row["name"], "trunc": row["trunc"],
            "last_active": row["last_active"]}  # fmt: skip


def manage_api_keys(
    ctx: Context,
    account_id: str,
    action: Any,
    project_id: Any = None,
    name: Any = None,
    expire: Any = None,
    key_id: Any = None,
) -> list[dict[str, Any]] | None:
    """``manageApiKeys``: ``get`` (one by ``id`` or all: an account's own keys, or every key
    of a project), ``create``, ``delete`` (a collaborator may delete any key of the project),
    ``edit``; anything else answers nothing."""
    if not is_uuid(account_id) or ctx.store.account(account_id) is None:
        raise HandlerError("account_id is not a valid account")
    if project_id is not None and not is_member(ctx, account_id, project_id):
        raise HandlerError("user must be collaborator on project to manage project_id api keys")
    pid = str(project_id) if project_id is not None else None
    keys = ctx.store.list_api_keys(account_id, pid)
    found = next((r for r in keys if r["id"] == key_id), None)
    if action == "get":
        if key_id:
            return [key_json(found)] if found is not None else [None]  # type: ignore[list-item]
        return [key_json(r) for r in sorted(keys, key=lambda r: r["id"], reverse=True)]
    if action == "create":
        if ctx.store.count_api_keys(account_id) >= MAX_API_KEYS:
            raise HandlerError(
                f"There is a limit of {MAX_API_KEYS} per account; please delete some api keys."
            )
        new_id, secret = ctx.store.create_api_key(
            account_id, project_id=pid, name=str(name or ""), expire=_expire_s(expire)
        )
        row = next(r for r in ctx.store.list_api_keys(account_id, pid) if r["id"] == new_id)
        out = key_json(row)
        trunc = out.pop("trunc")
        return [{**out, "trunc": trunc, "secret": secret}]
    if action == "delete":
        if found is not None:
            ctx.store.delete_api_key(int(found["id"]))
            ctx.keys.invalidate()
        return None
    if action == "edit":
        if found is None:
            raise HandlerError(f"no api key with id {key_id}")
        ctx.store.edit_api_key(
            int(found["id"]), None if name is None else str(name), _expire_s(expire)
        )
        ctx.keys.invalidate()
    return None


# -- user search (src/packages/server/accounts/search.ts @5cb3315c30) ----------------------------

USER_SEARCH_LIMIT = 50  # util/db-schema/accounts.ts
ADMIN_SEARCH_LIMIT = 100


def _ms(iso: Any) -> int | None:
    if not iso:
        return None
    try:
        return int(
            datetime.datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp() * 1000
        )
    except ValueError:
        return None


def _hit(row: Any, admin: bool, by_email: bool) -> dict[str, Any]:
    hit: dict[str, Any] = {"account_id": row["account_id"], "first_name": row["first_name"],
                           "last_name": row["last_name"], "name": None,
                           "email_address": row["email_address"],
                           "last_active": _ms(row["last_active"]), "created": _ms(row["created"]),
                           "banned": True if row["banned"] else None,  # NULL unless banned
                           "email_address_verified": None}  # fmt: skip
    if not admin:
        if not by_email:
            del hit["email_address"]
        del hit["banned"]
    return hit


def parse_user_search(query: Any) -> tuple[list[list[str]], list[str]]:
    """``parse_user_search`` (src/packages/util/misc.ts:1393-1431 @5cb3315c30): queries split at
    newlines, commas and semicolons; one with an ``@`` inside may hold email addresses (also as
    ``<addr>``), any other is a list of words that must all match."""
    strings: list[list[str]] = []
    emails: list[str] = []
    if not isinstance(query, str):
        return strings, emails
    for part in re.split(r"[\n,;]", query):
        q = part.strip().lower()
        if not q:
            continue
        if "@" not in q or q.startswith("@"):
            strings.append(q.split())
            continue
        for word in q.split():
            if word.startswith("<"):
                m = re.search(r"<(.*)>", word)
                word = m.group(1) if m else word
            if is_valid_email_address(word):
                emails.append(word)
    return strings, emails


def user_search(
    ctx: Context, query: Any, limit: Any = None, admin: bool = False, only_email: bool = False
) -> list[dict[str, Any]]:
    """``search`` (src/packages/server/accounts/search.ts:46-123): an exact account_id, an
    exact email (then the email is shown), else email queries and name queries (every word a
    substring of the first or last name; for admins also of the email), most recently active
    first."""
    if is_uuid(query):
        row = ctx.store.account(str(query))
        return [_hit(row, admin, False)] if row is not None else []
    if is_valid_email_address(query):
        row = ctx.store.account_by_email(str(query))
        return [_hit(row, admin, True)] if row is not None else []
    cap = ADMIN_SEARCH_LIMIT if admin else USER_SEARCH_LIMIT
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))):
        # Math.min("x", 20) is NaN, and PostgreSQL refuses it as the name query's LIMIT
        raise HandlerError('invalid input syntax for type bigint: "NaN"')
    n = min(int(limit) if limit is not None and 0 < limit < float("inf") else 20, cap)
    strings, emails = parse_user_search(query)
    if admin:
        strings += [[e] for e in emails]
        emails = []
    hits = []
    for email in emails[:n]:
        row = ctx.store.account_by_email(email)
        if row is not None:
            hits.append(_hit(row, admin, True))
    if not only_email and strings and n - len(hits) > 0:
        matched = []
        for row in ctx.store.db.execute("SELECT * FROM accounts"):
            fields = [(row["first_name"] or "").lower(), (row["last_name"] or "").lower()]
            if admin:
                fields.append((row["email_address"] or "").lower())
            if any(all(any(w in f for f in fields) for w in words) for words in strings):
                matched.append(row)
        matched.sort(key=lambda r: str(r["last_active"] or r["created"] or ""), reverse=True)
        hits += [_hit(r, admin, False) for r in matched[: n - len(hits)]]
    hits.sort(key=lambda h: max(h["last_active"] or 0, h["created"] or 0), reverse=True)
    return hits


# -- adding and removing collaborators (src/packages/server/projects/collab.ts @5cb3315c30) ------


def in_project_group(ctx: Context, account_id: str, project_id: str) -> bool:
    """The database's ``user_is_in_project_group``: owner or collaborator, and then "one more
    chance -- admin?" (postgres-server-queries.coffee:1591-1618 @5cb3315c30). Unlike
    ``isCollaborator``, it lets site admins in (recorded: admin-hub-uq-p1)."""
    return ctx.store.is_collaborator(account_id, project_id) or ctx.store.is_admin(account_id)


def _verify_write_access(
    ctx: Context, client_id: str, accounts: list[Any], projects: list[Any]
) -> None:
    """Every project must have the caller as owner or collaborator; a caller adding (or
    removing) only itself may instead be a member of the project's course, which the
    emulator's projects never have (collab.ts:22-34, 340-380)."""
    for project_id in dict.fromkeys(projects):
        if is_uuid(project_id) and in_project_group(ctx, client_id, str(project_id)):
            continue  # an admin may add anyone, itself too (recorded: admin-hub-addCollaborator-p1)
        if len(accounts) == 1 and accounts[0] == client_id:
            if not is_uuid(project_id) or ctx.store.project(str(project_id)) is None:
                raise HandlerError(f'no project with id "{project_id}"')
            raise HandlerError(f'cannot add self to "{project_id}" -- must be an admin')
        raise HandlerError(f"user {client_id} does not have write access to project {project_id}")


def _verify_types(client_id: str, accounts: list[Any], projects: list[Any]) -> None:
    """collab.ts:273-303, with JavaScript's rendering of a missing value."""
    if not is_uuid(client_id):
        raise HandlerError(f'account_id (="{client_id}") must be a valid uuid string (type=string)')
    if len(accounts) != len(projects):
        raise HandlerError(
            f"accounts (of length {len(accounts)}) and projects (of length {len(projects)})"
            " must be arrays of the same length"
        )
    for x in accounts:
        if not is_uuid(x):
            shown = "undefined" if x is None else x
            raise HandlerError(f"all account id's must be valid uuid's, but \"{shown}\" is not")
    for x in projects:
        if x != "" and not is_uuid(x):
            shown = "undefined" if x is None else x
            raise HandlerError(
                f"all project id's must be valid uuid's (or empty), but \"{shown}\" is not"
            )


def add_collaborators_to_projects(
    ctx: Context, client_id: str, accounts: list[Any], projects: list[Any]
) -> None:
    """Write access first, then the types; an account that is already a member keeps its
    group (an owner stays owner); an unknown account id is added as given (a jsonb merge)."""
    _verify_write_access(ctx, client_id, accounts, projects)
    _verify_types(client_id, accounts, projects)
    for project_id, account_id in zip(projects, accounts, strict=True):
        if not ctx.store.is_collaborator(str(account_id), str(project_id)):
            ctx.store.add_user(str(project_id), str(account_id))
    ctx.keys.invalidate()


def remove_collaborators_from_projects(
    ctx: Context, client_id: str, accounts: list[Any], projects: list[Any]
) -> None:
    """An owner cannot be removed (demote first: ownership-checks.ts ensureCanRemoveUser)."""
    _verify_write_access(ctx, client_id, accounts, projects)
    _verify_types(client_id, accounts, projects)
    for project_id, account_id in zip(projects, accounts, strict=True):
        if ctx.store.group_of(str(account_id), str(project_id)) == "owner":
            raise OwnerRemovalError("Cannot remove an owner. Demote to collaborator first.")
    for project_id, account_id in zip(projects, accounts, strict=True):
        ctx.store.remove_user(str(project_id), str(account_id))
    ctx.keys.invalidate()


class OwnerRemovalError(HandlerError):
    """CoCalc's OwnershipError: ``${err}`` shows its class name, ``err.message`` does not."""
