#!/usr/bin/env bash
# The weak-scaling bench's forward/backward pass alone and in two threads of one JVM at once (no Spark): whether two
# such passes run side by side on this machine as fast as one (docs/benchmarks.md, "Weak scaling").
#   bench/side-by-side.sh [ROUNDS [REPEATS]]     (defaults 3 20; OMP_NUM_THREADS defaults to 1, as each task gets)
# Builds with the reactor (never `mvn install`); MAVEN_OFFLINE=1 builds offline.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/build-classpath.sh"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec java -Xmx2g "${flags[@]}" -Dlog4j2.configurationFile="$here/conf/log4j2.properties" -cp "$classpath" \
  dev.sparklamb.spark.bench.SideBySideComputeBench "${1:-3}" "${2:-20}"
