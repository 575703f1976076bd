"""Embedding CoCalc in a web application (seed 002), and app sign-in for an API key (seed 001).

* :func:`sign_in_url`, :func:`kiosk_url` and :func:`app_url` build IFrame URLs; they are pure and
  validate their input.
* :func:`embed_session` (also ``Client.embed_session``) gets a fresh token from conat
  ``system.generateUserAuthToken`` and returns an :class:`EmbedSession`: the
  ``/auth/impersonate`` sign-in URL, the kiosk URL to open once signed in, and when to renew.
* :func:`obtain_api_key` runs the ``/app?get_api_key=<app>`` sign-in and returns the new key.
* ``cocalc-embed.js`` (package data, :func:`embed_js_path`) wraps the postMessage protocol for
  the browser side.

Auth tokens and keys are never logged; reprs mask them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ._api_key import obtain_api_key
from ._session import AUTH_TOKEN_LIFETIME, SIGN_IN_LIFETIME, EmbedSession, embed_session
from ._urls import app_url, kiosk_url, mask_token, normalize_project_id, sign_in_url

__all__ = [
    "AUTH_TOKEN_LIFETIME",
    "SIGN_IN_LIFETIME",
    "EmbedSession",
    "app_url",
    "embed_js_path",
    "embed_js_source",
    "embed_session",
    "kiosk_url",
    "mask_token",
    "normalize_project_id",
    "obtain_api_key",
    "sign_in_url",
]

_JS_NAME = "cocalc-embed.js"


def embed_js_source() -> str:
    """The text of ``cocalc-embed.js``, for a web app to serve to its pages."""
    return resources.files(__name__).joinpath(_JS_NAME).read_text(encoding="utf-8")


def embed_js_path() -> Path:
    """The file ``cocalc-embed.js`` on disk (installed packages are plain directories)."""
    return Path(str(resources.files(__name__).joinpath(_JS_NAME)))
