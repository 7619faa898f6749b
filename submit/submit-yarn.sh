#!/usr/bin/env bash
# spark-submit to YARN, e.g.:
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf submit/submit-yarn.sh train -c hdfs:///jobs/mnist-lamb.conf --resume
# Settings: HADOOP_CONF_DIR or YARN_CONF_DIR (required: where the ResourceManager is), SPARK_LAMB_DEPLOY_MODE
# (cluster|client, default cluster: then every path, -c included, must be an HDFS/S3 URI), SPARK_LAMB_QUEUE (default),
# SPARK_LAMB_NUM_EXECUTORS (2), SPARK_LAMB_EXECUTOR_MEMORY (4g), SPARK_LAMB_EXECUTOR_CORES (2), SPARK_LAMB_DRIVER_MEMORY (4g),
# SPARK_LAMB_MAX_APP_ATTEMPTS (1: a failed driver is not started again by YARN; with more, a later attempt reruns the
# same command, which continues from the last checkpoint only when it has --resume), SPARK_LAMB_JAVA_OPTIONS (JVM options
# for the driver and the executors, see submit-common.sh).
# YARN kills containers above executor memory + spark.executor.memoryOverhead: see conf/spark-defaults.conf (ND4J off-heap).
# The driver's log (cluster mode: the ApplicationMaster's container) holds spark-lamb's messages, errors included:
#   yarn logs -applicationId <application id printed by spark-submit>   (its first container's stderr)
# After `yarn application -kill`, a --resume may have to wait for the killed run's lease to expire (exit code 5 until then;
# spark-lamb.lease.timeout-seconds, 60 s by default).
# Verified: YarnClusterIT runs this script against an in-process YARN cluster and HDFS (both deploy modes, a bad
# configuration, --resume after `yarn application -kill`); README, "Running on a cluster".
# GPUs (CUDA build): SPARK_LAMB_EXECUTOR_GPUS, SPARK_LAMB_TASK_GPUS (1), SPARK_LAMB_GPU_DISCOVERY_SCRIPT (see submit-common.sh).
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"
if [[ -z "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]]; then
  echo "spark-lamb: set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the cluster's Hadoop configuration" >&2
  exit 1
fi
deploy_mode="${SPARK_LAMB_DEPLOY_MODE:-cluster}"
# The logging configuration ships with --files into every container's working directory; a client-mode driver runs
# here and reads this checkout's file.
driver_log4j=log4j2.properties
if [[ "$deploy_mode" == client ]]; then driver_log4j="file:$log4j"; fi
exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" \
  --master yarn \
  --deploy-mode "$deploy_mode" \
  --queue "${SPARK_LAMB_QUEUE:-default}" \
  --num-executors "${SPARK_LAMB_NUM_EXECUTORS:-2}" \
  --driver-memory "${SPARK_LAMB_DRIVER_MEMORY:-4g}" \
  --executor-memory "${SPARK_LAMB_EXECUTOR_MEMORY:-4g}" \
  --executor-cores "${SPARK_LAMB_EXECUTOR_CORES:-2}" \
  --conf "spark.yarn.maxAppAttempts=${SPARK_LAMB_MAX_APP_ATTEMPTS:-1}" \
  --files "$log4j" \
  --conf "spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=$driver_log4j $java_options" \
  --conf "spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties $java_options" \
  "$app_jar" "$@"
