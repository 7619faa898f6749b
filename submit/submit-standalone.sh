#!/usr/bin/env bash
# spark-submit to a Spark standalone cluster, client deploy mode (the driver runs here, so relative paths such as
# -c conf/mnist-lamb.conf work; data and output paths must be reachable from every worker: HDFS, S3, NFS...), e.g.:
#   SPARK_HOME=/opt/spark SPARK_MASTER_URL=spark://master-host:7077 submit/submit-standalone.sh train -c conf/mnist-lamb.conf --resume
# Settings: SPARK_MASTER_URL (required), SPARK_LAMB_DEPLOY_MODE (client|cluster, default client),
# SPARK_LAMB_EXECUTOR_MEMORY (4g), SPARK_LAMB_EXECUTOR_CORES (2), SPARK_LAMB_TOTAL_CORES (unset: all), SPARK_LAMB_DRIVER_MEMORY (4g),
# SPARK_LAMB_JAVA_OPTIONS (JVM options for the driver and the executors, see submit-common.sh).
# Verified: StandaloneClusterIT runs this mode (a real Master and 2 Workers on 127.0.0.1, SparkSubmit with the
# application jar and conf/spark-defaults.conf); it calls SparkSubmit directly, not this script.
# GPUs (CUDA build): SPARK_LAMB_EXECUTOR_GPUS, SPARK_LAMB_TASK_GPUS (1), SPARK_LAMB_GPU_DISCOVERY_SCRIPT (see submit-common.sh).
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"
: "${SPARK_MASTER_URL:?set SPARK_MASTER_URL, e.g. spark://master-host:7077}"
extra=()
if [[ -n "${SPARK_LAMB_TOTAL_CORES:-}" ]]; then extra+=(--total-executor-cores "$SPARK_LAMB_TOTAL_CORES"); fi
exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" \
  --master "$SPARK_MASTER_URL" \
  --deploy-mode "${SPARK_LAMB_DEPLOY_MODE:-client}" \
  --driver-memory "${SPARK_LAMB_DRIVER_MEMORY:-4g}" \
  --executor-memory "${SPARK_LAMB_EXECUTOR_MEMORY:-4g}" \
  --executor-cores "${SPARK_LAMB_EXECUTOR_CORES:-2}" \
  "${extra[@]}" \
  --files "$log4j" \
  --driver-java-options "-Dlog4j2.configurationFile=file:$log4j $java_options" \
  --conf "spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties $java_options" \
  "$app_jar" "$@"
