#!/usr/bin/env bash
# Creates .venv (if needed) and installs inrarch with the pinned versions of constraints.txt.
# Sourced by tools/demo.sh and tools/test.sh; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
  "$py" -m venv "$root/.venv"
fi
stamp="$root/.venv/.inrarch-installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$root/constraints.txt" -nt "$stamp" ]; then
  echo "[setup] installing pinned dependencies into .venv (about a minute on a fresh machine)"
  PIP_CONSTRAINT="$root/constraints.txt" "$root/.venv/bin/pip" install --quiet --disable-pip-version-check \
    -c "$root/constraints.txt" -e "$root[test]"
  touch "$stamp"
fi
