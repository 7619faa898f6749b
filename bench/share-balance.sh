#!/usr/bin/env bash
# How uneven the partitions' shares of the global batch are (largest share / mean), as the tasks select them.
#   bench/share-balance.sh [examples] [global-batches] [partition-counts] [steps]
# Default: bench/share-balance.sh 4194304 8192,32768 2,8,64,256 100
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source "$here/bench/build-classpath.sh"
exec java -Xmx2g "${flags[@]}" -cp "$classpath" dev.sparklamb.spark.bench.ShareBalanceBench "${1:-4194304}" "${2:-8192,32768}" \
  "${3:-2,8,64,256}" "${4:-100}"
