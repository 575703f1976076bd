"""State survives a restart with a data dir: accounts, keys, projects, files."""

from __future__ import annotations

import warnings
from pathlib import Path

import aiohttp
import pytest

from cocalc_async.testing import Emulator
from cocalc_async.testing.emulator import warn_if_exposed
from cocalc_async.testing.serve import build_parser

from .emulator_helpers import Raw


async def test_restart_keeps_state(tmp_path: Path) -> None:
    async with Emulator(data_dir=tmp_path) as emu, aiohttp.ClientSession() as session:
        raw = Raw(emu, session)
        first_key, account_id = emu.api_key, emu.account_id
        pid = (await raw.v2("projects/create", {"title": "kept"}))["project_id"]
        written = await raw.v2(
            "projects/write-text-file", {"project_id": pid, "path": "f.txt", "content": "persist"}
        )
        assert written == {"status": "ok"}
        _, other_key = emu.create_account("Per", "Sist")
    async with Emulator(data_dir=tmp_path) as emu, aiohttp.ClientSession() as session:
        raw = Raw(emu, session)
        assert emu.account_id == account_id
        for key in (first_key, emu.api_key, other_key):
            assert "now" in await raw.hub("system.ping", key=key)
        body = await raw.project(
            "system.readTextFileFromProject", [{"path": "f.txt"}], key=first_key, project_id=pid
        )
        assert body == "persist"
        assert [p["title"] for p in await raw.v2("projects/get")] == ["kept"]


async def test_binding_elsewhere_warns() -> None:
    # checked without binding: the tests never listen beyond loopback
    for host in ("0.0.0.0", "192.0.2.1", "::"):
        with pytest.warns(RuntimeWarning, match=f"binding {host}"):
            warn_if_exposed(host)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for host in ("127.0.0.1", "localhost", "::1"):
            warn_if_exposed(host)
        async with Emulator() as emu:
            assert emu.url.startswith("http://127.0.0.1:")


def test_serve_arguments() -> None:
    args = build_parser().parse_args(["--port", "8123", "--data-dir", "d"])
    assert (args.host, args.port, args.data_dir) == ("127.0.0.1", 8123, "d")
