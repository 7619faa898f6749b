#!/usr/bin/env bash
# Weak scaling across executor JVMs (issue #17, "Measure"): the mlp preset (784-512-256-10), LAMB, tree all-reduce, on N
# single-core executor JVMs (local-cluster) with a fixed number of examples per executor per step (global batch = N x
# that); rounds alternate the executor counts, one session each, so that each sees the same machine load.
#   bench/weak-scaling.sh [executor-counts] [examples-per-executor] [micro-batch] [steps] [rounds] [executor-memory-MB] [warm-up-steps]
# Default: bench/weak-scaling.sh 1,2 1024 512 12 2 2200 1 (medians over the steps after the warm-up; the JIT compilers
# of the three JVMs are busy for the first ~150-200 steps, so use e.g. 300 steps and 200 warm-up steps)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/local-cluster-main.sh"
run_main dev.sparklamb.spark.bench.WeakScalingBench "${1:-1,2}" "${2:-1024}" "${3:-512}" "${4:-12}" "${5:-2}" "${6:-2200}" "${7:-1}"
