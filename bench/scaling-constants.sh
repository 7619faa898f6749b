#!/usr/bin/env bash
# The measured constants of docs/scaling.md: Spark job and shuffle-stage latency, shuffle / broadcast / task-result
# transfer times at two payload sizes, and forward+backward time per example, with N executor JVMs (local-cluster).
#   bench/scaling-constants.sh [executors] [executor-memory-MB] [repetitions] [small-MB] [large-MB]
# Default: bench/scaling-constants.sh 2 2200 9 4 40
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/build-classpath.sh"
# local-cluster executors inherit this JVM's classpath through Spark's test switches
# (docs/development.md, "Tests with separate executor JVMs").
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12 SPARK_TESTING=1
mkdir -p target/bench-spark-home
exec java -Xmx${DRIVER_HEAP:-4g} "${flags[@]}" -Dspark.testing=true -Dspark.test.home="$here/target/bench-spark-home" \
  -Dsparklamb.java17.flags="${flags[*]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$classpath" \
  dev.sparklamb.spark.bench.ScalingConstantsBench "${1:-2}" "${2:-2200}" "${3:-9}" "${4:-4}" "${5:-40}"
