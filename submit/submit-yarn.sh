#!/usr/bin/env bash
# spark-submit to YARN, e.g.:
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf submit/submit-yarn.sh train -c hdfs:///jobs/mnist-lamb.conf --resume
# Settings: HADOOP_CONF_DIR or YARN_CONF_DIR (required: where the ResourceManager is), SPARK_LAMB_DEPLOY_MODE
# (cluster|client, default cluster: then every path, -c included, must be an HDFS/S3 URI), SPARK_LAMB_QUEUE (default),
# SPARK_LAMB_NUM_EXECUTORS (2), SPARK_LAMB_EXECUTOR_MEMORY (4g), SPARK_LAMB_EXECUTOR_CORES (2), SPARK_LAMB_DRIVER_MEMORY (4g).
# YARN kills containers above executor memory + spark.executor.memoryOverhead: see conf/spark-defaults.conf (ND4J off-heap).
# Not verified here (no YARN cluster in the tests); only the standalone mode is tested end to end.
# GPUs (CUDA build): SPARK_LAMB_EXECUTOR_GPUS, SPARK_LAMB_TASK_GPUS (1), SPARK_LAMB_GPU_DISCOVERY_SCRIPT (see submit-common.sh).
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"
if [[ -z "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]]; then
  echo "spark-lamb: set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the cluster's Hadoop configuration" >&2
  exit 1
fi
exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" \
  --master yarn \
  --deploy-mode "${SPARK_LAMB_DEPLOY_MODE:-cluster}" \
  --queue "${SPARK_LAMB_QUEUE:-default}" \
  --num-executors "${SPARK_LAMB_NUM_EXECUTORS:-2}" \
  --driver-memory "${SPARK_LAMB_DRIVER_MEMORY:-4g}" \
  --executor-memory "${SPARK_LAMB_EXECUTOR_MEMORY:-4g}" \
  --executor-cores "${SPARK_LAMB_EXECUTOR_CORES:-2}" \
  --files "$log4j" \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  --conf spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  "$app_jar" "$@"
