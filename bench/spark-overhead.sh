#!/usr/bin/env bash
# Spark overhead benchmark (issue: spark-job targets). Runs, in one JVM and alternating rounds, the same LAMB
# training step on real MNIST in-process (no Spark) and through Spark, and prints medians and the step time split.
#   bench/spark-overhead.sh [master] [partitions] [global-batch] [micro-batch] [steps-per-round] [rounds] [example-limit]
# MAX_DIRECT_RESULT_SIZE (default 1m, Spark's default) sets spark.task.maxDirectResultSize.
# Examples:
#   bench/spark-overhead.sh local[2] 1 16384 2048 8 3                 # P = 1 overhead
#   bench/spark-overhead.sh 'local-cluster[2,1,3072]' 2 16384 2048 8 3  # P = 2, separate executor JVMs
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
submit/fetch-data.sh mnist-raw >/dev/null
# Reactor build of spark-job and what it needs (never `mvn install`: nothing is written to ~/.m2); MAVEN_OFFLINE=1 builds offline.
mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -pl spark-job -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null
source "$here/bench/java17-flags.sh"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
# local-cluster executors inherit this JVM's classpath through Spark's test switches
# (docs/development.md, "Tests with separate executor JVMs").
case "${1:-local[2]}" in local-cluster*) export SPARK_TESTING=1 ;; esac
mkdir -p target/bench-spark-home
exec java -Xmx8g "${flags[@]}" -DmaxDirectResultSize="${MAX_DIRECT_RESULT_SIZE:-1m}" -Dspark.testing=true -Dspark.test.home="$here/target/bench-spark-home" \
  -Dsparklamb.java17.flags="${flags[*]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$here/spark-job/target/test-classes:$here/spark-job/target/classes:$(cat spark-job/target/bench-cp.txt)" \
  dev.sparklamb.spark.bench.SparkOverheadBench "${1:-local[2]}" "${2:-1}" "${3:-16384}" "${4:-2048}" "${5:-8}" "${6:-3}" "$here/data/mnist/raw" "${7:-0}"
