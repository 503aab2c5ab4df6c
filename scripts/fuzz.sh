#!/usr/bin/env bash
# Long fuzzing soak of scenario files (tests/fuzz.rs): FILES generated files (default
# 100000) from SEED (default 1), each parsed, validated and, when valid, run briefly
# in-process. A file that panics is saved to tests/fuzz_regressions/ (commit it: the
# test suite replays every file there) and the run fails.
#
#   scripts/fuzz.sh [FILES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
CHOKEPOINT_FUZZ_FILES=${1:-100000} CHOKEPOINT_FUZZ_SEED=${2:-1} CHOKEPOINT_FUZZ_SAVE=1 \
    cargo test --release --test fuzz generated_scenarios_never_panic -- --nocapture
