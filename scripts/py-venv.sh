#!/usr/bin/env bash
# Creates (once) a Python virtualenv at target/py-venv with networkx, for the
# tests that check tarjuman's graph exports with a real reader, and prints the
# path of its python. Idempotent and quiet: a second run only prints the path.
#
#   PY=$(scripts/py-venv.sh) && "$PY" -c 'import networkx; print(networkx.__version__)'
#
# Exits non-zero with a message on stderr when the venv cannot be made or pip
# cannot reach the package registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TARJUMAN_PY_VENV:-$root/target/py-venv}"
py="$venv/bin/python"
lock="$venv.lock"

mkdir -p "$(dirname "$venv")"
# Tests run in parallel: let one of them build the venv while the others wait.
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

if [ -x "$py" ] && "$py" -c 'import networkx' >/dev/null 2>&1; then
    echo "$py"
    exit 0
fi

if [ ! -x "$py" ]; then
    if ! python3 -m venv "$venv" >&2; then
        echo "py-venv.sh: could not create a virtualenv at $venv (is python3-venv installed?)" >&2
        exit 1
    fi
fi

if ! "$py" -m pip install --quiet --disable-pip-version-check networkx >&2; then
    echo "py-venv.sh: 'pip install networkx' failed: the package registry cannot be reached" \
        "or refused the install; the graph export tests need networkx to check GEXF and GraphML" >&2
    exit 1
fi
echo "$py"
