"""Who is this browser? An ``auth_token`` in the URL signs it in; otherwise the cookie decides.

A valid token sets the cookie and redirects to the same URL without the token, so the token
does not stay in the address bar, the history or a ``Referer``. An invalid or expired token is
refused even when a cookie is present: silently showing another session would hide the error
from the application that built the link.
"""

from __future__ import annotations

from aiohttp import web

from .html import expired_token, not_signed_in
from .state import WebState


def authenticate(request: web.Request, state: WebState) -> str | web.Response:
    """The signed-in account id, or the response to send instead (a redirect or a refusal)."""
    token = request.query.get("auth_token")
    if token is not None:
        account_id = state.ctx.store.resolve_auth_token(token)
        if account_id is None or not _usable(state, account_id):
            return expired_token()
        rest = [(k, v) for k, v in request.query.items() if k != "auth_token"]
        response = web.Response(
            status=302, headers={"Location": str(request.rel_url.with_query(rest))}
        )
        state.sign_in(response, account_id)
        return response
    account_id = state.account_of(request)
    if account_id is None:
        return not_signed_in()
    return account_id


def _usable(state: WebState, account_id: str) -> bool:
    row = state.ctx.store.account(account_id)
    return row is not None and not row["banned"]
