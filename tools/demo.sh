#!/usr/bin/env bash
# README command 1: sets up .venv (pinned) and runs the main job.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
.venv/bin/inrarch-opt test/dialects/inr/roundtrip.mlir --canonicalize --cse
