#!/usr/bin/env bash
# Batch-size sweep of issue #7: LAMB, LARS, AdamW and Adam through our trainer at global batches 512..32K, against
# DL4J's own Spark trainers and single-process fit, on real Fashion-MNIST / MNIST. One JSON result per run under the
# results directory; runs whose result exists are skipped, so the same command resumes an interrupted sweep.
#   bench/sweep.sh [--subset NAME[,NAME...]] [--results DIR]              run (default subset: fashion)
#   bench/sweep.sh --render [--results DIR]                                 write docs/results.md and docs/plots/*.png
# Background-friendly: nohup bench/sweep.sh --subset fashion > sweep.log 2>&1 &   then: grep '^SWEEP' sweep.log
# Builds with the reactor (never `mvn install`); needs Maven offline-capable ~/.m2 or network for the first build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
subset=fashion results="$here/bench/results" mode=run
while [ $# -gt 0 ]; do
  case "$1" in
    --subset) subset="$2"; shift 2 ;;
    --results) results="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --render) mode=render; shift ;;
    *) echo "usage: bench/sweep.sh [--subset NAME[,NAME...]] [--results DIR] [--render]" >&2; exit 2 ;;
  esac
done
if [ "${SWEEP_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -pl spark-job -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null
fi
cp="$here/spark-job/target/test-classes:$here/spark-job/target/classes:$(cat spark-job/target/bench-cp.txt)"
source "$here/bench/java17-flags.sh"
# DL4J's SharedTrainingMaster (a peer) runs Aeron on 127.0.0.1; these are its Aeron settings.
flags+=(-Daeron.publication.unblock.timeout=60000000000 -Daeron.dir.delete.on.shutdown=true)
export SPARK_LOCAL_IP=127.0.0.1
case "$mode" in
  render)
    exec java -Xmx2g -Djava.awt.headless=true -cp "$cp" dev.sparklamb.spark.bench.sweep.SweepReport "$results" "$here/docs" ;;
esac
case ",$subset," in *fashion*|*smoke*|*lenet*|*all*) submit/fetch-data.sh fashion-raw >/dev/null ;; esac
case ",$subset," in *,mnist,*|*all*) submit/fetch-data.sh mnist-raw >/dev/null ;; esac
exec java ${SWEEP_JAVA_OPTS:--Xmx8g} "${flags[@]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
  -cp "$cp" dev.sparklamb.spark.bench.sweep.SweepMain "$subset" "$results" "$here/data" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
