#!/usr/bin/env bash
# spark-submit in local mode (driver and executor in one JVM), e.g.:
#   SPARK_HOME=/opt/spark submit/submit-local.sh train -c conf/mnist-lamb.conf --resume
# Settings: SPARK_LAMB_MASTER (default local[*]), SPARK_LAMB_DRIVER_MEMORY (default 8g).
# Not verified by the tests (the local[*] runs in the tests start Spark in-process, not through spark-submit).
# GPUs: local mode assigns none to tasks; with the CUDA build, spark-lamb.device.type = auto (the default) lets ND4J use this
# host's GPUs. Do not set SPARK_LAMB_EXECUTOR_GPUS here.
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"
exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" \
  --master "${SPARK_LAMB_MASTER:-local[*]}" \
  --driver-memory "${SPARK_LAMB_DRIVER_MEMORY:-8g}" \
  --driver-java-options "-Dlog4j2.configurationFile=file:$log4j" \
  "$app_jar" "$@"
