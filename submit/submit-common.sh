# Sourced by submit/submit-*.sh: finds spark-submit and the application jar, or fails clearly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${SPARK_HOME:-}" || ! -x "$SPARK_HOME/bin/spark-submit" ]]; then
  echo "spark-lamb: set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation with bin/spark-submit (SPARK_HOME='${SPARK_HOME:-}')" >&2
  exit 1
fi
app_jar="${SPARK_LAMB_APP_JAR:-$here/submit/target/spark-lamb-app.jar}"
if [[ "$app_jar" != *://* && ! -f "$app_jar" ]]; then  # a URI (hdfs://, s3a://, local://) is passed as is
  echo "spark-lamb: no application jar at $app_jar; run 'mvn -B -DskipTests package' in $here first (or set SPARK_LAMB_APP_JAR)" >&2
  exit 1
fi
common=(--class dev.sparklamb.submit.SparkLambCli
        --properties-file "${SPARK_LAMB_PROPERTIES:-$here/conf/spark-defaults.conf}")
log4j="$here/conf/log4j2.properties"
# SPARK_LAMB_JAVA_OPTIONS: JVM options for the driver and the executors, added by the cluster launchers after the logging
# option. They set spark.{driver,executor}.extraJavaOptions, which replace the properties file's, so options such as
# ND4J's off-heap caps (-Dorg.bytedeco.javacpp.maxbytes=..., conf/spark-defaults.conf) belong here. Also where ND4J
# extracts its natives (~400 MB) on hosts whose containers have no writable home directory:
# -Dorg.bytedeco.javacpp.cachedir=/local/disk/javacpp (README, "Running on a cluster").
java_options="${SPARK_LAMB_JAVA_OPTIONS:-}"
# GPU executors (the CUDA build, `mvn -Pcuda package`): SPARK_LAMB_EXECUTOR_GPUS GPUs per executor, SPARK_LAMB_TASK_GPUS
# per task (default 1: one replica per GPU), discovered by SPARK_LAMB_GPU_DISCOVERY_SCRIPT (default conf/gpu-discovery.sh
# of this checkout: that path must exist on every executor host). Unset: no GPUs are requested (the GPU section of
# conf/spark-defaults.conf explains each setting).
if [[ -n "${SPARK_LAMB_EXECUTOR_GPUS:-}" ]]; then
  common+=(--conf "spark.executor.resource.gpu.amount=$SPARK_LAMB_EXECUTOR_GPUS"
           --conf "spark.task.resource.gpu.amount=${SPARK_LAMB_TASK_GPUS:-1}"
           --conf "spark.executor.resource.gpu.discoveryScript=${SPARK_LAMB_GPU_DISCOVERY_SCRIPT:-$here/conf/gpu-discovery.sh}")
fi
