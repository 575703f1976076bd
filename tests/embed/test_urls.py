"""The pure URL builders: encoding, validation, and the masking of tokens."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from cocalc_async.embed import app_url, kiosk_url, mask_token, normalize_project_id

PID = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
BASE = "https://cocalc.example.org"


def test_kiosk_url_has_the_documented_shape() -> None:
    url = kiosk_url(BASE, PID, "calculate.ipynb", "T0k3n")
    assert url == (
        f"{BASE}/projects/{PID}/files/calculate.ipynb?auth_token=T0k3n&fullscreen=kiosk&session="
    )


@pytest.mark.parametrize(
    ("path", "encoded"),
    [
        ("my notes.md", "my%20notes.md"),
        ("a#b.md", "a%23b.md"),
        ("q?.md", "q%3F.md"),
        ("100%.md", "100%25.md"),
        ("dir/sub/ü.md", "dir/sub/%C3%BC.md"),
        ("/leading/slash.md", "leading/slash.md"),
        ("a+b&c=d;e.md", "a%2Bb%26c%3Dd%3Be.md"),
        ("folder/", "folder/"),
    ],
)
def test_paths_are_percent_encoded_per_segment(path: str, encoded: str) -> None:
    url = kiosk_url(BASE, PID, path, "tok")
    assert url.startswith(f"{BASE}/projects/{PID}/files/{encoded}?")


def test_base_prefix_and_trailing_slash_are_kept_once() -> None:
    url = kiosk_url("http://127.0.0.1:8000/cocalc/", PID, "x.md", "tok")
    assert url.startswith(f"http://127.0.0.1:8000/cocalc/projects/{PID}/files/x.md?")
    assert (
        app_url("http://127.0.0.1:8000/cocalc/", "tok")
        == "http://127.0.0.1:8000/cocalc/app?auth_token=tok"
    )


def test_session_is_passed_and_encoded() -> None:
    url = URL(kiosk_url(BASE, PID, "x.md", "tok", session="my tabs"))
    assert url.query["session"] == "my tabs"
    assert list(url.query) == ["auth_token", "fullscreen", "session"]


def test_token_with_url_syntax_survives() -> None:
    url = URL(app_url(BASE, "a+b/c=d&e"))
    assert url.query["auth_token"] == "a+b/c=d&e"
    assert list(url.query) == ["auth_token"]


def test_project_id_is_normalised_to_lower_case() -> None:
    assert f"/projects/{PID}/" in kiosk_url(BASE, PID.upper(), "x", "tok")


@pytest.mark.parametrize(
    "bad", ["", "not-a-uuid", PID[:-1], "{" + PID + "}", "urn:uuid:" + PID, PID.replace("-", "")]
)
def test_bad_project_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="UUID"):
        kiosk_url(BASE, bad, "x.md", "tok")


def test_non_string_project_id_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        normalize_project_id(uuid.UUID(PID))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "/", "a/../b", "./a", "a//b", "..", "a\x00b"])
def test_bad_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="path"):
        kiosk_url(BASE, PID, bad, "tok")


@pytest.mark.parametrize("bad", ["", "with space", "new\nline"])
def test_bad_tokens_are_refused_without_quoting_them(bad: str) -> None:
    with pytest.raises(ValueError, match="auth_token") as info:
        app_url(BASE, bad)
    assert bad == "" or bad not in str(info.value)


@pytest.mark.parametrize(
    "bad", ["cocalc.com", "ftp://cocalc.com", "https://cocalc.com/?x=1", "https://u:p@cocalc.com"]
)
def test_bad_base_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        app_url(bad, "tok")


def test_mask_token_hides_only_the_token() -> None:
    url = kiosk_url(BASE, PID, "x y.md", "SECRET123")
    masked = mask_token(url)
    assert "SECRET123" not in masked
    assert URL(masked).query["auth_token"] == "***"
    assert URL(masked).path == URL(url).path
    assert mask_token(f"{BASE}/app") == f"{BASE}/app"


# -- properties -------------------------------------------------------------------------------

_segment = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"),
    min_size=1,
    max_size=12,
).filter(lambda s: s not in (".", ".."))
_paths = st.lists(_segment, min_size=1, max_size=4).map("/".join)
_tokens = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
)


@given(path=_paths, token=_tokens, project=st.uuids())
def test_kiosk_url_round_trips(path: str, token: str, project: uuid.UUID) -> None:
    url = URL(kiosk_url(BASE, str(project), path, token), encoded=True)
    prefix = f"/projects/{project}/files/"
    assert url.path.startswith(prefix)
    # Decoding the path gives back exactly the file name: nothing leaked into query or fragment.
    assert url.path[len(prefix) :] == path
    assert url.fragment == ""
    assert url.query["auth_token"] == token
    assert url.query["fullscreen"] == "kiosk"
    # Each file-name segment stays one segment, so '/' inside a name is impossible to inject.
    assert len(url.raw_path[len(prefix) :].split("/")) == len(path.split("/"))


@given(token=_tokens)
def test_app_url_round_trips_and_masks(token: str) -> None:
    url = app_url(BASE, token)
    assert URL(url, encoded=True).query["auth_token"] == token
    assert URL(mask_token(url), encoded=True).query["auth_token"] == "***"
