#!/usr/bin/env bash
# Runs the Python SDK benchmarks (tables, not tests) pinned to vCPU 1, one bench at a time on
# the host (flock): bench/run.sh [evaluate|exposure]... (default: both).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/setup-venv.sh" bench
cd "$here"
for bench in "${@:-evaluate exposure}"; do
  for name in $bench; do
    flock /tmp/bench.lock taskset -c 1 bench/.venv/bin/python "bench/$name.py"
    echo
  done
done
