#!/usr/bin/env bash
# Per-step batch selection and micro-batch assembly with spark-lamb.data.cache = memory and disk (issue: scale, item 2),
# timed inside the Spark tasks, on MNIST-sized synthetic examples (784 features, values b/255) generated on Spark.
#   bench/data-cache.sh [examples] [partitions] [global-batch] [micro-batch] [steps]
# Default: bench/data-cache.sh 60000 2 8192 512 30
# DRIVER_HEAP (default 4g) sizes the JVM; BENCH_JAVA_OPTS are added to its options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/build-classpath.sh"
export SPARK_LOCAL_IP=127.0.0.1
exec java -Xmx${DRIVER_HEAP:-4g} ${BENCH_JAVA_OPTS:-} "${flags[@]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$classpath" \
  dev.sparklamb.spark.bench.DataCacheBench "${1:-60000}" "${2:-2}" "${3:-8192}" "${4:-512}" "${5:-30}"
