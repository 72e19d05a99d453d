#!/usr/bin/env bash
# README command 1: sets up .venv (pinned versions) and runs the main job, the default SIREN demo: the benchmark
# SIREN at order 2 compiled to a dataflow design, its modeled report, the C-simulation checked against PyTorch,
# the Vitis project, and INR-editing pictures, all under out/demo/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
command -v g++ >/dev/null || { echo "error: g++ is needed for the C-simulation" >&2; exit 1; }
exec .venv/bin/inrarch demo -o out/demo "$@"
