# Sourced by scripts/demo and scripts/check: make (or reuse) the project's own virtualenv and
# install the package into it, so nothing goes into the system python (which PEP 668 systems,
# Debian, Ubuntu and Homebrew among them, refuse anyway).
#   VENV_EXTRAS=cli . scripts/_venv.sh     -> $VPY is the venv's python
PY=${PYTHON:-python3}
VENV=${COCALC_VENV:-.venv}
EXTRAS=${VENV_EXTRAS:-cli}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "error: $PY is not Python >= 3.10 (set PYTHON=/path/to/python3.x)" >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating the virtualenv $VENV with $("$PY" --version 2>&1)"
  "$PY" -m venv "$VENV" || {
    echo "error: '$PY -m venv' failed; on Debian/Ubuntu: sudo apt-get install python3-venv" >&2
    exit 2
  }
fi
VPY="$VENV/bin/python"
# Reinstalled only when pyproject.toml changed since the last install with these extras.
STAMP="$VENV/.cocalc-async-installed-${EXTRAS//,/-}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "== installing cocalc-async[$EXTRAS] (editable) into $VENV"
  "$VPY" -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]"
  touch "$STAMP"
else
  echo "== reusing $VENV (up to date with pyproject.toml)"
fi
echo "   (to use it yourself: source $VENV/bin/activate, then cocalc-async --help)"
