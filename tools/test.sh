#!/usr/bin/env bash
# README command 2: sets up .venv (pinned, see constraints.txt) and runs every test: lit (FileCheck) and pytest.
# Ends with one line `N passed, N failed` covering both.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
bash tools/setup.sh || exit 1
reports="$root/build/reports"
mkdir -p "$reports"
rm -f "$reports"/*.xml
echo "[test] lit test/"
.venv/bin/lit test --xunit-xml-output "$reports/lit.xml" -sv "$@"
echo "[test] pytest test/python"
# One worker per core (pytest-xdist): the suite is mostly compiles, builds and simulations, each on one core.
.venv/bin/pytest test/python -q -n auto --durations=15 --junitxml "$reports/pytest.xml" -p no:cacheprovider
echo "[test] wall time $(( $(date +%s) - start )) s (setup included), $(nproc) cores"
.venv/bin/python tools/count_results.py "$reports/lit.xml" "$reports/pytest.xml"
