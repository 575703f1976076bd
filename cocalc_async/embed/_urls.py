"""Pure builders for the URLs a web app puts in an IFrame: a kiosk view of one file, and ``/app``.

The auth token is a password for up to 24 hours, so nothing here logs, and the repr of anything that
holds such a URL masks it (see :func:`mask_token`).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from yarl import URL

__all__ = [
    "IMPERSONATE_PATH",
    "app_url",
    "kiosk_url",
    "mask_token",
    "normalize_project_id",
    "sign_in_url",
]

_MASK = "***"


def normalize_project_id(project_id: str) -> str:
    """The canonical lower-case form of a project UUID; ``ValueError`` for anything else.

    Only the 36-character hyphenated form is accepted: ``uuid.UUID`` alone would also take
    ``{...}`` and ``urn:uuid:`` spellings, which CoCalc's routes do not.
    """
    if not isinstance(project_id, str):
        raise TypeError(f"project_id must be a str, got {type(project_id).__name__}")
    if len(project_id) != 36:
        raise ValueError("project_id must be a UUID like 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'")
    try:
        value = uuid.UUID(project_id)
    except ValueError:
        raise ValueError(
            "project_id must be a UUID like 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'"
        ) from None
    canonical = str(value)
    if canonical != project_id.lower():
        raise ValueError("project_id must be a UUID like 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'")
    return canonical


def _base(base_url: str | URL) -> URL:
    url = URL(base_url) if isinstance(base_url, str) else base_url
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("base_url must be an absolute http(s) URL such as https://cocalc.com")
    if url.user or url.password:
        raise ValueError("base_url must not carry credentials")
    if url.query_string or url.fragment:
        raise ValueError("base_url must not have a query or a fragment")
    return url


def _prefix(url: URL) -> str:
    """The base's own path, already encoded, without its trailing slash (on-prem servers may
    live under a prefix such as ``/cocalc``)."""
    return url.raw_path.rstrip("/")


def _encode_path(path: str) -> str:
    """Percent-encode a project-relative path one segment at a time.

    Every byte outside the unreserved set is escaped, so ``#``, ``?``, ``%`` and spaces stay part
    of the file name instead of starting a fragment or a query. ``.`` and ``..`` segments are
    refused: browsers resolve them (even as ``%2E%2E``), so the URL would name another file.
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be a str, got {type(path).__name__}")
    if "\x00" in path:
        raise ValueError("path must not contain NUL")
    # CoCalc paths are relative to the project's home; a leading slash means the same thing.
    relative = path.lstrip("/")
    if not relative:
        raise ValueError("path must name a file or directory in the project")
    directory = relative.endswith("/")
    segments = relative.rstrip("/").split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise ValueError(f"path has an empty, '.' or '..' segment: {path!r}")
    encoded = "/".join(quote(segment, safe="") for segment in segments)
    return encoded + "/" if directory else encoded


def _check_token(auth_token: str) -> str:
    if not isinstance(auth_token, str):
        raise TypeError(f"auth_token must be a str, got {type(auth_token).__name__}")
    # The message never quotes the token: exceptions end up in logs.
    if not auth_token or not auth_token.isprintable() or any(c.isspace() for c in auth_token):
        raise ValueError("auth_token must be a non-empty string without spaces")
    return auth_token


def kiosk_url(
    base_url: str | URL, project_id: str, path: str, auth_token: str, *, session: str = ""
) -> str:
    """``{base}/projects/{project_id}/files/{path}?auth_token=…&fullscreen=kiosk&session=…``.

    ``fullscreen=kiosk`` makes CoCalc show the file alone, with no surrounding UI. ``session``
    names a saved set of open tabs; the empty default opens none but this file (the form of
    CoCalc's own example).
    """
    base = _base(base_url)
    pid = normalize_project_id(project_id)
    raw_path = f"{_prefix(base)}/projects/{pid}/files/{_encode_path(path)}"
    if not isinstance(session, str):
        raise TypeError("session must be a str")
    query = [
        ("auth_token", _check_token(auth_token)),
        ("fullscreen", "kiosk"),
        ("session", session),
    ]
    return str(base.with_path(raw_path, encoded=True).with_query(query))


def app_url(base_url: str | URL, auth_token: str) -> str:
    """``{base}/app?auth_token=…``: the whole CoCalc app, signed in, for the postMessage API.

    Legacy: today's CoCalc signs in through :func:`sign_in_url` instead.
    """
    base = _base(base_url)
    raw_path = f"{_prefix(base)}/app"
    return str(
        base.with_path(raw_path, encoded=True).with_query({"auth_token": _check_token(auth_token)})
    )


#: The hub's token sign-in route (src/packages/server/hub/auth.ts:910 @5cb3315c30).
IMPERSONATE_PATH = "/auth/impersonate"


def sign_in_url(base_url: str | URL, auth_token: str) -> str:
    """``{base}/auth/impersonate?auth_token=…``: signs the browser in, then opens ``{base}/app``."""
    base = _base(base_url)
    raw_path = f"{_prefix(base)}{IMPERSONATE_PATH}"
    return str(
        base.with_path(raw_path, encoded=True).with_query({"auth_token": _check_token(auth_token)})
    )


def mask_token(url: str) -> str:
    """``url`` with the value of its ``auth_token`` parameter replaced by ``***`` (for reprs)."""
    parsed = URL(url, encoded=True)
    if "auth_token" not in parsed.query:
        return url
    query = [(k, _MASK if k == "auth_token" else v) for k, v in parsed.query.items()]
    return str(parsed.with_query(query))
