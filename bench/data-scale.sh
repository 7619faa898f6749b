#!/usr/bin/env bash
# Data-size scaling of the per-step batch selection and micro-batch assembly (issue: scale, item 1), timed inside the
# Spark tasks, on synthetic data sets generated on Spark (16 bytes of features per example), all in one local JVM.
#   bench/data-scale.sh [sizes] [partitions] [global-batch] [micro-batch] [steps]
# Default: bench/data-scale.sh 60000,6000000,60000000 2 8192 512 30
# With --cache first: the same timing with spark-lamb.data.cache = memory and disk (issue: scale, item 2), on one data
# set of MNIST-sized examples (784 features, values b/255) generated on Spark, and the time to build each cache:
#   bench/data-scale.sh --cache [examples] [partitions] [global-batch] [micro-batch] [steps]
# Default: bench/data-scale.sh --cache 60000 2 8192 512 30
# DRIVER_HEAP (default 8g) sizes the JVM; BENCH_JAVA_OPTS are added to its options (e.g. -XX:+UseTransparentHugePages).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
main=dev.sparklamb.spark.bench.DataScaleBench
sizes=60000,6000000,60000000
if [ "${1:-}" = "--cache" ]; then
  main=dev.sparklamb.spark.bench.DataCacheBench
  sizes=60000
  shift
fi
source "$here/bench/build-classpath.sh"
export SPARK_LOCAL_IP=127.0.0.1
exec java -Xmx${DRIVER_HEAP:-8g} ${BENCH_JAVA_OPTS:-} "${flags[@]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$classpath" \
  "$main" "${1:-$sizes}" "${2:-2}" "${3:-8192}" "${4:-512}" "${5:-30}"
