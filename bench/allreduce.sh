#!/usr/bin/env bash
# tree vs sharded all-reduce (issue: sharded all-reduce): step time and bytes per step, from Spark's task metrics,
# for MLPs 784-H-H-10 with N executor JVMs (local-cluster), both modes in the same run.
#   bench/allreduce.sh [executor-counts] [hidden-widths] [steps] [executor-memory-MB]
# Default: bench/allreduce.sh 2,4 700,2800,6700 5 2200   (about 1.1M, 10.1M and 50.2M parameters)
# EXECUTOR_JAVA_OPTS are added to the executors' JVM options, BENCH_JAVA_OPTS to the driver's (spark.* system
# properties there reach the session). BENCH_MODES=tree,sharded runs only those modes (default: all).
# BENCH_COMPARE="spark.k=v,spark.k2=v2" alternates sessions without ("before") and with these settings ("after"),
# BENCH_ROUNDS times (default 2), for a before/after comparison under the same load. BENCH_WARMUP (default 1) steps of
# each mode are left out of the medians: the JVMs' JIT compilers are busy for the first ~150-200 steps of a session.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/build-classpath.sh"
# local-cluster executors inherit this JVM's classpath through Spark's test switches
# (docs/development.md, "Tests with separate executor JVMs").
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12 SPARK_TESTING=1
mkdir -p target/bench-spark-home
exec java -Xmx${DRIVER_HEAP:-6g} ${BENCH_JAVA_OPTS:-} "${flags[@]}" -Dsparklamb.bench.modes="${BENCH_MODES:-}" -Dsparklamb.bench.compare="${BENCH_COMPARE:-}" \
  -Dsparklamb.bench.rounds="${BENCH_ROUNDS:-2}" -Dsparklamb.bench.warmup="${BENCH_WARMUP:-1}" -Dspark.testing=true -Dspark.test.home="$here/target/bench-spark-home" \
  -Dsparklamb.java17.flags="${flags[*]} ${EXECUTOR_JAVA_OPTS:-}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$classpath" \
  dev.sparklamb.spark.bench.AllReduceBench "${1:-2,4}" "${2:-700,2800,6700}" "${3:-5}" "${4:-2200}"
