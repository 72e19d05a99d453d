#!/usr/bin/env bash
# Creates .venv (if needed) and installs inrarch with the pinned versions of constraints.txt.
# Run by tools/demo.sh and tools/test.sh; safe to run again. PYTHON=... picks the interpreter (3.11).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
  if ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    echo "error: inrarch's pinned torch 2.13.0 CPU build needs Python 3.11; set PYTHON=python3.11" >&2
    exit 1
  fi
  "$py" -m venv "$root/.venv"
fi
stamp="$root/.venv/.inrarch-installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] || [ "$root/constraints.txt" -nt "$stamp" ]; then
  echo "[setup] installing pinned dependencies into .venv (about a minute on a fresh machine)"
  # (Some machines' pip configurations list local index folders that do not exist; pip warns about each.)
  PIP_CONSTRAINT="$root/constraints.txt" "$root/.venv/bin/pip" install --quiet --disable-pip-version-check \
    -c "$root/constraints.txt" -e "$root[test]" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  # Xilinx's Apache-2.0 ap_int.h / ap_fixed.h for C-simulation of fixed-point designs ship in the hls4ml wheel;
  # only its headers are used, so none of its dependencies are installed.
  "$root/.venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "hls4ml==1.3.0" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  touch "$stamp"
fi
