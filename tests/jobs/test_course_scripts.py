"""scripts/demo and scripts/check install into their own .venv, never into the system python
(which PEP 668 systems refuse), reuse it while it matches pyproject.toml, and say how to use
it. Fake pythons record what the scripts ask of them, so this runs in well under a second."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake_system_python(tmp: Path, log: Path) -> Path:
    """A python3 that refuses ``pip install`` as a PEP 668 system python does, and whose
    ``-m venv DIR`` makes a venv whose python only records its arguments."""
    venv_python = textwrap.dedent(f"""\
        #!/usr/bin/env bash
        echo "venv-python $*" >> {log}
        """)
    script = textwrap.dedent(f"""\
        #!/usr/bin/env bash
        echo "system-python $*" >> {log}
        case "$1 $2" in
          "-c "*) exit 0 ;;
          "-m pip") echo "error: externally-managed-environment" >&2; exit 1 ;;
          "-m venv")
            mkdir -p "$3/bin"
            cat > "$3/bin/python" <<'EOS'
        {venv_python}EOS
            chmod +x "$3/bin/python"; exit 0 ;;
          "--version ") echo "Python 3.12.0"; exit 0 ;;
        esac
        exit 0
        """)
    path = tmp / "python3"
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return path


def _source_venv(tmp: Path, extras: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    log = tmp / "calls.log"
    log.touch()
    python = _fake_system_python(tmp, log)
    env = {**os.environ, "PYTHON": str(python), "COCALC_VENV": str(tmp / "venv"),
           "VENV_EXTRAS": extras}  # fmt: skip
    done = subprocess.run(
        ["bash", "-c", ". scripts/_venv.sh"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done, log.read_text(encoding="utf-8").splitlines()


def test_install_goes_into_a_new_venv_never_the_system_python(tmp_path: Path) -> None:
    done, calls = _source_venv(tmp_path, "cli")
    assert done.returncode == 0, done.stderr
    assert any(c.startswith("system-python -m venv ") for c in calls)
    assert not any(c.startswith("system-python -m pip") for c in calls)
    installs = [c for c in calls if c.startswith("venv-python -m pip install")]
    assert len(installs) == 1
    assert installs[0].endswith("-e .[cli]")  # the cli extra: tqdm, the demo's progress bar
    assert f"source {tmp_path / 'venv'}/bin/activate" in done.stdout


def test_an_up_to_date_venv_is_reused_and_a_changed_pyproject_reinstalls(tmp_path: Path) -> None:
    first, _ = _source_venv(tmp_path, "dev,cli")
    assert first.returncode == 0, first.stderr
    (tmp_path / "calls.log").write_text("", encoding="utf-8")
    again, calls = _source_venv(tmp_path, "dev,cli")
    assert "reusing" in again.stdout
    assert not any("pip install" in c for c in calls)
    # pyproject.toml newer than the install stamp: install again.
    stamp = tmp_path / "venv" / ".cocalc-async-installed-dev-cli"
    past = time.time() - 10 * 365 * 86400
    os.utime(stamp, (past, past))
    (tmp_path / "calls.log").write_text("", encoding="utf-8")
    changed, calls = _source_venv(tmp_path, "dev,cli")
    assert changed.returncode == 0
    assert [c for c in calls if "pip install" in c] == [
        "venv-python -m pip install --quiet --disable-pip-version-check -e .[dev,cli]"
    ]


def test_the_scripts_use_the_venv_and_ci_keeps_calling_check() -> None:
    for name, extras in (("demo", "cli"), ("check", "dev,cli")):
        text = (ROOT / "scripts" / name).read_text(encoding="utf-8")
        assert f"VENV_EXTRAS={extras}" in text
        assert ". scripts/_venv.sh" in text
        assert '"$VPY" -m' in text
        assert '"$PY" -m pip' not in text
    assert "exec scripts/check" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
