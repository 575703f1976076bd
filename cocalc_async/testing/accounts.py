"""Account rules the hub applies: password strength, valid email addresses, who may create
accounts with an API key. Shared by the v2 sign-up route and the conat invite functions."""

from __future__ import annotations

import re
from typing import Any

from ._util import is_uuid
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


def _help(score: int, warning: str, suggestions: Any) -> str | None:
    if score > MIN_PASSWORD_STRENGTH:
        return None
    tips = "\n ".join(str(s) for s in suggestions) if isinstance(suggestions, list) else ""
    return f"Password is too weak. {warning}\n {tips}"


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
