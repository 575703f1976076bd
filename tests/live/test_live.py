"""The README's features against the hub named by ``COCALC_LIVE_URL`` (see conftest.py)."""

from __future__ import annotations

import uuid

import pytest

from cocalc_async import Client
from cocalc_async.errors import AuthenticationError, EndpointNotServedError, PermissionDeniedError

from .conftest import URL


async def test_doctor_says_everything_works(live: Client) -> None:
    report = await live.doctor()
    assert report.ok, report.render()
    assert report.served["v2"] is True
    assert report.served["conat"] is True
    assert report.identity is not None
    assert report.identity.kind == "account"


async def test_ping_whoami_and_a_user_query(live: Client) -> None:
    pong = await live.conat.hub.system.ping()
    assert pong.now.year >= 2025
    me = await live.conat.hub.system.test()
    assert me.account_id is not None
    record = await live.query.get("accounts", account_id=None, email_address=None)
    assert record["account_id"] == me.account_id
    via_conat = await live.query.via("conat").get("accounts", account_id=None)
    assert via_conat["account_id"] == me.account_id


async def test_v1_is_gone_with_a_typed_error(live: Client) -> None:
    with pytest.raises(EndpointNotServedError):
        await live.v1.ping()


async def test_a_wrong_key_is_an_authentication_error() -> None:
    async with Client("sk_live_suite_wrong_key_0000000000", base_url=URL) as bad:
        with pytest.raises(AuthenticationError):
            await bad.conat.hub.system.ping()
        with pytest.raises(AuthenticationError):
            await bad.query.get("accounts", account_id=None)


async def test_exec_write_read_and_copy(live: Client, project: str) -> None:
    out = await live.v2.exec(project_id=project, command="echo", args=["hello"])
    assert (out.stdout, out.exit_code) == ("hello\n", 0)
    out = await live.v2.exec(project_id=project, command="exit 3", err_on_exit=False)
    assert out.exit_code == 3
    name = f"live-{uuid.uuid4().hex[:8]}"
    await live.v2.projects.write_text_file(project_id=project, path=f"{name}/a.txt", content="x\n")
    read = await live.conat.project.system.read_text_file_from_project(
        project, path=f"{name}/a.txt"
    )
    assert read == "x\n"
    await live.v2.projects.copy_path(
        src_project_id=project,
        path=name,
        target_project_id=project,
        target_path=f"{name}-copy",
        wait=True,
        wait_timeout=300,
    )
    copied = await live.conat.project.system.read_text_file_from_project(
        project, path=f"{name}-copy/a.txt"
    )
    assert copied == "x\n"


async def test_a_stranger_project_is_a_permission_error(live: Client) -> None:
    with pytest.raises(PermissionDeniedError):
        await live.v2.exec(project_id=str(uuid.uuid4()), command="true")


@pytest.mark.slow
async def test_a_90_second_exec_job_runs_once_and_returns_its_output(
    live: Client, project: str
) -> None:
    runs = f"runs-{uuid.uuid4().hex[:8]}.txt"
    job = await live.exec_job(
        project, f"date +%s.%N >> {runs}; sleep 90; echo finished", bash=True, exec_timeout=180
    )
    result = await job.wait(wait_timeout=300)
    assert (result.status, result.stdout) == ("completed", "finished\n")
    lines = await live.conat.project.system.read_text_file_from_project(project, path=runs)
    assert len(lines.splitlines()) == 1  # started once, whatever the polls did


async def test_a_conat_exec_job_and_cancel(live: Client, project: str) -> None:
    job = await live.exec_job(project, "sleep 0.5; echo via-conat", bash=True, via="conat")
    assert (await job.wait(wait_timeout=60)).stdout == "via-conat\n"
    # bash with a child: signalling only bash's pid leaves the child running on a real hub
    seconds = 600 + uuid.uuid4().int % 300  # a sleep no other test runs
    long = await live.exec_job(project, f"sleep {seconds}; echo never", bash=True, via="conat")
    after = await long.cancel()
    assert after.status != "running"
    left = await live.v2.exec(
        project_id=project, command=f"pgrep -f '[s]leep {seconds}' | wc -l", bash=True
    )
    assert left.stdout.strip() == "0"


def test_the_cli_against_the_hub(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cocalc_async.cli import main

    from .conftest import KEY

    monkeypatch.setenv("COCALC_URL", URL)
    monkeypatch.setenv("COCALC_API_KEY", KEY)
    monkeypatch.delenv("COCALC_API_KEY_FILE", raising=False)
    assert main(["doctor"]) == 0
    assert "everything works" in capsys.readouterr().out
    assert main(["whoami", "--json"]) == 0
    assert '"kind": "account"' in capsys.readouterr().out
    assert main(["ping"]) == 0
    assert main(["query", '{"accounts": {"account_id": null}}']) == 0
