#!/usr/bin/env bash
# The LAMB paper's second workload, scaled down: the resnet-mini preset on Fashion-MNIST for 20 epochs
# (conf/fashion-resnet-lamb.conf), three runs through the normal CLI:
#   lamb-b512    LAMB at global batch 512
#   lamb-b4096   LAMB at global batch 4096 (the configuration file as it is)
#   lars-b4096   LARS at global batch 4096
# Same base learning rate (0.005 at batch 512, sqrt scaling), warmup, decay and weight-decay exclusions for all three.
# Each run writes bench/results/resnet/<name>/ (metrics.jsonl, model.zip, summary.json) and its console output to
# bench/results/resnet/<name>.log; a run whose summary.json
# exists is skipped and an unfinished one resumes from its last checkpoint, so the same command continues. At the end, prints each run's final test accuracy and wall time.
#   bench/resnet-fashion.sh [RUN[,RUN...]] [--set KEY=VALUE ...]    (default: all three; --set goes to every run)
# Builds with the reactor (mvn package, never `mvn install`); obtains Fashion-MNIST with submit/fetch-data.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs=lamb-b512,lamb-b4096,lars-b4096
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then runs="$1"; shift; fi
extra=("$@")
results="$here/bench/results/resnet"
# Evaluation about once per epoch: 117 steps per epoch at 512, 14 at 4096.
settings() {
  case "$1" in
    lamb-b512)  echo "spark-lamb.optimizer.name=lamb spark-lamb.training.global-batch=512 spark-lamb.training.eval-every-steps=117" ;;
    lamb-b4096) echo "spark-lamb.optimizer.name=lamb spark-lamb.training.global-batch=4096" ;;
    lars-b4096) echo "spark-lamb.optimizer.name=lars spark-lamb.training.global-batch=4096" ;;
    *) echo "resnet-fashion: unknown run '$1' (lamb-b512, lamb-b4096, lars-b4096)" >&2; exit 2 ;;
  esac
}
IFS=, read -r -a names <<< "$runs"
for name in "${names[@]}"; do settings "$name" >/dev/null || exit 2; done
if [ "${RESNET_SKIP_BUILD:-0}" != 1 ]; then
  echo "== building (mvn -B -DskipTests package)" >&2
  mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -DskipTests package
fi
submit/fetch-data.sh fashion >/dev/null
# Local Spark runs the job's 2 partitions as 2 concurrent tasks in this JVM: one equal share of the cores each
# (docs/benchmarks.md, "ND4J threads per task").
if [ -z "${OMP_NUM_THREADS:-}" ]; then
  cores=$(nproc 2>/dev/null || echo 2)
  export OMP_NUM_THREADS=$(( cores / 2 > 0 ? cores / 2 : 1 ))
fi
for name in "${names[@]}"; do
  out="$results/$name"
  sets=()
  for kv in $(settings "$name"); do sets+=(--set "$kv"); done
  for kv in ${extra[@]+"${extra[@]}"}; do [ "$kv" = --set ] || sets+=(--set "$kv"); done
  if [ -f "$out/summary.json" ]; then
    echo "== $name: done already ($out/summary.json)" >&2
    continue
  fi
  # An unfinished run continues from its last checkpoint (--resume starts afresh when there is none).
  mkdir -p "$results"
  echo "== $name -> $out (console: $out.log; OMP_NUM_THREADS=$OMP_NUM_THREADS)" >&2
  bin/spark-lamb train -c conf/fashion-resnet-lamb.conf --output "$out" --resume "${sets[@]}" 2>&1 | tee -a "$out.log"
done
field() {  # FILE KEY -> the value of "KEY" : VALUE in a pretty-printed JSON object
  sed -n "s/^ *\"$2\" *: *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1" | head -n 1
}
printf '%-12s %-14s %-10s %s\n' run testAccuracy seconds steps
for name in "${names[@]}"; do
  s="$results/$name/summary.json"
  if [ -f "$s" ]; then
    printf '%-12s %-14s %-10s %s\n' "$name" "$(field "$s" testAccuracy)" "$(field "$s" seconds)" "$(field "$s" steps)"
  else
    printf '%-12s %s\n' "$name" "no summary.json (failed or not run)"
  fi
done
