#!/usr/bin/env bash
# bert-mini masked-LM training throughput (issue #15): spark-lamb's trainer (LAMB, 2 partitions on local[2], one
# OpenMP thread per task) against DL4J's single-process ComputationGraph.fit of the same graph on the same masked
# micro-batches, in one JVM, alternating rounds; prints tokens/s medians and the ratio (docs/benchmarks.md,
# "bert-mini training throughput").
#   bench/bert-throughput.sh [DATA [L [GLOBAL_BATCH [MICRO_BATCH [STEPS_PER_ROUND [ROUNDS [VOCABULARY [PARTITIONS [MASTER]]]]]]]]]
# DATA: a token Parquet directory in import-text's layout (default data/sotu/text/seq-128/train, from
# `submit/fetch-data.sh sotu`) or synthetic:N (N random full-length sequences; no data needed).
# Defaults: 128 64 16 4 3 8000 2 local[2]. DL4J_THREADS (default: all cores) is DL4J's second thread setting.
# Builds with the reactor (never `mvn install`); MAVEN_OFFLINE=1 builds offline.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -pl spark-job -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null
source "$here/bench/java17-flags.sh"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
# One OpenMP thread per task (docs/benchmarks.md, "ND4J threads per task"); libnd4j reads it when it starts.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
echo "== load average before: $(cat /proc/loadavg)" >&2
exec java -Xmx6g "${flags[@]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$here/spark-job/target/test-classes:$here/spark-job/target/classes:$here/optimizer-core/target/classes:$(cat spark-job/target/bench-cp.txt)" \
  dev.sparklamb.spark.bench.BertTrainerThroughput "${1:-data/sotu/text/seq-128/train}" "${2:-128}" "${3:-64}" "${4:-16}" \
  "${5:-4}" "${6:-3}" "${7:-8000}" "${8:-2}" "${9:-local[2]}"
