#!/usr/bin/env bash
# `inrarch bench` with its software peers on a CUDA GPU: nested autograd, torch.func and inrarch's Taylor module
# (eager and torch.compile'd) timed interleaved on the GPU (wall time, synchronised after each call), beside the
# modeled FPGA figures. The pinned torch of constraints.txt is the CPU build: on a GPU machine install the CUDA
# build of the same version into .venv first (pip install torch==2.13.0 --index-url <the CUDA wheel index>).
# Usage: bash tools/gpu_bench.sh [OUT_DIR]   (default out/bench-gpu)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
if ! .venv/bin/python -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "error: torch sees no CUDA device (the pinned torch is the CPU build: install its CUDA build into .venv)" >&2
  exit 1
fi
exec nice -n 10 .venv/bin/inrarch bench --device cuda --peer-clocks wall --out "${1:-out/bench-gpu}"
