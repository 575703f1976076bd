"""``cocalc-async course ...`` from the shell's point of view: exit codes, the one line that says
what to fix, roster problems, ``--json`` events, the retry command, against an emulator on
another thread (``main`` runs its own event loop, as from the shell)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cocalc_async.cli import main
from cocalc_async.jobs.demo import ASSIGNMENT, FILES
from cocalc_async.testing import Emulator


class Server:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emu = Emulator()
        self.on_loop(self.emu.start())
        self.pid = self.project()

    def on_loop(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def project(self) -> str:
        async def make() -> str:
            pid = self.emu.create_project(title="course")
            for path, content in FILES.items():
                target = self.emu.project_dir(pid) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
            return pid

        result: str = self.on_loop(make())
        return result

    def count(self, table: str) -> int:
        async def run() -> int:
            return int(self.emu.store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

        result: int = self.on_loop(run())
        return result

    def close(self) -> None:
        self.on_loop(self.emu.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def env(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    monkeypatch.setenv("COCALC_URL", server.emu.url)
    monkeypatch.setenv("COCALC_API_KEY", server.emu.api_key)
    monkeypatch.delenv("COCALC_API_KEY_FILE", raising=False)
    return server


def _ours(err: str) -> list[str]:
    """The CLI's own stderr lines (a debug log handler left by another test may add its own)."""
    return [x for x in err.splitlines() if x.startswith("cocalc-async:")]


def _roster(tmp_path: Path, text: str) -> str:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _args(env: Server, roster: str, *more: str, action: str = "provision") -> list[str]:
    return ["course", action, "--roster", roster, "--assignment", ASSIGNMENT,
            "--project", env.pid, "--course", "CLI 1", "--no-progress", *more]  # fmt: skip


def test_a_bad_project_id_is_a_usage_error_before_anything_is_sent(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "email\na@example.com\n")
    before = len(env.emu.requests)
    args = _args(env, roster)
    args[args.index(env.pid)] = "not-a-uuid"
    assert main(args) == 2
    err = _ours(capsys.readouterr().err)
    assert len(err) == 1
    assert "--project 'not-a-uuid' is not a project id" in err[0]
    assert len(env.emu.requests) == before


def test_a_wrong_assignment_exits_2_before_any_project_is_made(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "email\nwrong1@example.com\nwrong2@example.com\n")
    projects = env.count("projects")
    args = _args(env, roster)
    args[args.index(ASSIGNMENT)] = "no-such-assignment"
    assert main(args) == 2
    err = _ours(capsys.readouterr().err)
    assert err == [
        f"cocalc-async: error: UsageError: --assignment 'no-such-assignment' does not exist"
        f" in project {env.pid}"
    ]
    assert env.count("projects") == projects


def test_bad_rows_are_reported_and_good_rows_proceed(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(
        tmp_path,
        "email,first_name,last_name\ngood1@example.com,Zoë,Ünal\nnot-an-email,X,Y\n"
        "\ngood2@example.com,B,C\ngood1@example.com,Dup,D\n",
    )
    assert main(_args(env, roster)) == 0
    captured = capsys.readouterr()
    problems = [x for x in _ours(captured.err) if x.startswith("cocalc-async: roster")]
    assert len(problems) == 2
    assert "line 3: 'not-an-email' is not an e-mail address" in problems[0]
    assert "line 6: good1@example.com appears twice (first on line 2)" in problems[1]
    assert f"preflight ok: the key is account {env.emu.account_id}'s" in captured.err
    assert "2 of 2 students ok" in captured.out
    assert "SKIPPED roster line 3" in captured.out

    assert main([*_args(env, roster), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "2 bad row(s)" in err
    assert "(--strict)" in err


def test_json_emits_one_line_per_student_event_and_a_summary(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "j1@example.com\nj2@example.com\nj3@example.com\n")
    assert main([*_args(env, roster), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    events = [x for x in lines if x["event"] != "summary"]
    assert sorted(e["email"] for e in events) == [
        "j1@example.com",
        "j2@example.com",
        "j3@example.com",
    ]
    assert {e["event"] for e in events} == {"done"}
    assert all(e["project_id"] for e in events)
    assert lines[-1]["event"] == "summary"
    assert lines[-1]["counts"]["project"]["done"] == 3


def test_failures_name_the_students_and_the_exact_retry_command(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "f1@example.com\nf2@example.com\nf3@example.com\n")
    check = 'case "$(pwd)" in *) test -e marker-ok ;; esac'
    assert main([*_args(env, roster), "--check", check]) == 1
    out = capsys.readouterr()
    assert out.err.count("FAILED f") == 3  # named while the run goes on
    assert "0 of 3 students ok, 3 failed" in out.out
    retry = out.out.split("retry only the failed students with:\n  ", 1)[1].splitlines()[0]
    assert retry.startswith("cocalc-async course provision --url ")
    assert retry.endswith("--only f1@example.com,f2@example.com,f3@example.com")
    # The printed command really re-runs only those students (here: with a passing check).
    import shlex

    words = shlex.split(retry)[1:]
    words[words.index("--check") + 1] = "true"
    assert main([*words, "--no-progress", "--json"]) == 0
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()][:-1]
    assert sorted(e["email"] for e in events) == [
        "f1@example.com",
        "f2@example.com",
        "f3@example.com",
    ]


def test_collect_return_and_status_commands(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "s1@example.com\ns2@example.com\n")

    async def existing() -> None:
        env.emu.create_account("Sam", "One", "s1@example.com")

    env.on_loop(existing())  # s1 has an account (added), s2 has none (invited)
    assert main(_args(env, roster)) == 0
    assert main(_args(env, roster, action="collect")) == 0
    assert main(_args(env, roster, action="return")) == 0
    capsys.readouterr()
    assert main(_args(env, roster, "--json", action="status")) == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    rows = {s["email"]: s for s in summary["students"]}
    assert (rows["s1@example.com"]["accepted"], rows["s1@example.com"]["invited"]) == (True, False)
    assert (rows["s2@example.com"]["accepted"], rows["s2@example.com"]["invited"]) == (False, True)
    for email in ("s1@example.com", "s2@example.com"):
        assert rows[email]["copied"] is True
        assert (rows[email]["collected"], rows[email]["returned"]) == (True, True)
    assert main(_args(env, roster, action="status")) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith("email")
    assert "s1@example.com" in table


def test_collect_without_a_server_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COCALC_URL", raising=False)
    assert main(["course", "collect"]) == 2
    assert "needs a server" in capsys.readouterr().err


def test_provision_without_a_server_runs_the_demo_course_on_the_embedded_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COCALC_URL", raising=False)
    monkeypatch.delenv("COCALC_API_KEY", raising=False)
    assert main(["course", "provision", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    summary = lines[-1]
    assert summary["event"] == "summary"
    assert summary["counts"]["project"]["done"] == 25
    assert summary["counts"]["check"]["done"] == 25
    assert len(lines) == 26  # one event per student, then the summary


def test_create_accounts_with_an_instructors_key_exits_2_with_one_line(
    env: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _roster(tmp_path, "ca1@example.com\n")
    projects = env.count("projects")
    assert main([*_args(env, roster), "--create-accounts"]) == 2
    err = _ours(capsys.readouterr().err)
    assert len(err) == 1
    assert "--create-accounts needs an admin's key" in err[0]
    assert env.count("projects") == projects
