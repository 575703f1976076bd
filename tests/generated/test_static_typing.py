"""mypy --strict over a small user file: the generated surface is typed for the people using it.

The official client's methods are ``Any`` to mypy, so a misspelled keyword passes its type check;
here it must not. One mypy run checks a correct file and a wrong one together (about 10 s cold,
with the cache in ``tmp_path`` so nothing is shared between runs).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cocalc_async

api = pytest.importorskip("mypy.api")

GOOD = """\
from cocalc_async import Client


async def main(client: Client) -> None:
    pid = "6c28c5f4-3235-46be-b025-166b4dcaac7e"
    r = await client.v1.project_exec(project_id=pid, command="ls", args=["-l"], exec_timeout=30)
    reveal_type(r)
    reveal_type(r.stdout)
    s = await client.v2.projects.copy_path_status(copy_id=pid)
    reveal_type(s)
    p = await client.v1.ping()
    reveal_type(p.now)
    await client.v2.projects.collaborators.add(project_id=pid, account_id=pid)
    q = await client.query.get("accounts", account_id=None)
    reveal_type(q)
    h = await client.conat.hub.system.ping()
    reveal_type(h)
"""

BAD = """\
from cocalc_async import Client


async def main(client: Client) -> None:
    await client.v1.project_exec(project_id="x", comand="ls")
    await client.v1.project_exec(project_id="x", command="ls", exec_timeout="30")
    await client.v2.projects.copy_path_status(copyid="x")
    await client.v2.projects.copy_path_status(copy_id=7)
    await client.v1.ping(request_timeout="soon")
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str]]]:
    tmp = tmp_path_factory.mktemp("typing")
    (tmp / "good.py").write_text(GOOD)
    (tmp / "bad.py").write_text(BAD)
    # Our own config, so the repository's (files=..., plugins) never changes what is checked;
    # mypy_path points at the checkout that is being tested, wherever it lives.
    root = Path(cocalc_async.__file__).resolve().parents[1]
    (tmp / "mypy.ini").write_text(f"[mypy]\nmypy_path = {root}\n")
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--python-version=3.10",
            f"--config-file={tmp / 'mypy.ini'}",
            f"--cache-dir={tmp / 'cache'}",
            "--no-error-summary",
            "--show-error-codes",
            str(tmp / "good.py"),
            str(tmp / "bad.py"),
        ]
    )
    assert stderr == ""
    out: dict[str, list[tuple[int, str]]] = {"good.py": [], "bad.py": []}
    for line in stdout.splitlines():
        m = re.match(r"^.*?([a-z]+\.py):(\d+): (.*)$", line)
        if m and m.group(1) in out:
            out[m.group(1)].append((int(m.group(2)), m.group(3)))
    return out


def test_correct_file_passes(mypy_output: dict[str, list[tuple[int, str]]]) -> None:
    errors = [msg for _, msg in mypy_output["good.py"] if msg.startswith("error")]
    assert errors == []


def test_results_are_models_not_any(mypy_output: dict[str, list[tuple[int, str]]]) -> None:
    # mypy versions differ on whether they print "builtins."
    revealed = [
        msg.split("Revealed type is ", 1)[1].replace("builtins.", "")
        for _, msg in mypy_output["good.py"]
        if "Revealed type" in msg
    ]
    assert revealed[:4] == [
        '"cocalc_async.models.exec.ExecResult"',
        '"str"',
        '"cocalc_async.models.copy.CopyPathStatus"',
        '"datetime.datetime"',
    ]
    # the query helper's record is the JSON object alias, never Any
    assert revealed[4].startswith('"dict[str, dict[str, ...] | list[...] | str | int | float')
    assert revealed[5] == '"cocalc_async.models.misc.ConatPong"'
    assert len(revealed) == 6
    assert not any("Any" in msg for msg in revealed)


def test_misspelled_keyword_is_rejected(mypy_output: dict[str, list[tuple[int, str]]]) -> None:
    errors = {line: msg for line, msg in mypy_output["bad.py"] if msg.startswith("error")}
    assert 'Unexpected keyword argument "comand"' in errors[5]
    assert 'Unexpected keyword argument "copyid"' in errors[7]


def test_wrong_argument_type_is_rejected(mypy_output: dict[str, list[tuple[int, str]]]) -> None:
    errors = [(line, msg) for line, msg in mypy_output["bad.py"] if msg.startswith("error")]
    by_line = {line: msg for line, msg in errors}
    assert '"exec_timeout"' in by_line[6]
    assert "[arg-type]" in by_line[6]
    assert '"copy_id"' in by_line[8]
    assert "[arg-type]" in by_line[8]
    assert '"request_timeout"' in by_line[9]
    assert {line for line, _ in errors} == {5, 6, 7, 8, 9}
