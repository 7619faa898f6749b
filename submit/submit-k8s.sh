#!/usr/bin/env bash
# spark-submit to Kubernetes (cluster deploy mode: the driver runs in a pod), e.g.:
#   SPARK_HOME=/opt/spark SPARK_K8S_MASTER=k8s://https://api.example:6443 SPARK_K8S_IMAGE=registry/spark:3.5.1-java17 \
#   SPARK_LAMB_APP_JAR=s3a://bucket/spark-lamb-app.jar submit/submit-k8s.sh train -c s3a://bucket/mnist-lamb.conf --resume
# Settings: SPARK_K8S_MASTER (required, k8s://https://HOST:PORT), SPARK_K8S_IMAGE (required: a Spark 3.5.x Scala 2.12
# Java 17 image), SPARK_K8S_NAMESPACE (default), SPARK_K8S_SERVICE_ACCOUNT (spark), SPARK_LAMB_NUM_EXECUTORS (2),
# SPARK_LAMB_EXECUTOR_MEMORY (4g), SPARK_LAMB_EXECUTOR_CORES (2), SPARK_LAMB_DRIVER_MEMORY (4g).
# The jar, -c and data/output paths must be reachable from the pods (an object store URI, or local:///path inside the image;
# a local jar also works with --conf spark.kubernetes.file.upload.path=s3a://bucket/upload).
# Pods are killed above memory + memoryOverhead: see conf/spark-defaults.conf (ND4J off-heap).
# Not verified here (no Kubernetes cluster in the tests); only the standalone mode is tested end to end.
set -euo pipefail
: "${SPARK_K8S_MASTER:?set SPARK_K8S_MASTER, e.g. k8s://https://api-server:6443}"
: "${SPARK_K8S_IMAGE:?set SPARK_K8S_IMAGE to a Spark 3.5.x / Scala 2.12 / Java 17 container image}"
# GPUs (CUDA build): SPARK_LAMB_EXECUTOR_GPUS, SPARK_LAMB_TASK_GPUS (1), SPARK_LAMB_GPU_DISCOVERY_SCRIPT (see submit-common.sh).
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"
exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" \
  --master "$SPARK_K8S_MASTER" \
  --deploy-mode cluster \
  --name spark-lamb \
  --conf spark.kubernetes.container.image="$SPARK_K8S_IMAGE" \
  --conf spark.kubernetes.namespace="${SPARK_K8S_NAMESPACE:-default}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${SPARK_K8S_SERVICE_ACCOUNT:-spark}" \
  --conf spark.executor.instances="${SPARK_LAMB_NUM_EXECUTORS:-2}" \
  --driver-memory "${SPARK_LAMB_DRIVER_MEMORY:-4g}" \
  --executor-memory "${SPARK_LAMB_EXECUTOR_MEMORY:-4g}" \
  --executor-cores "${SPARK_LAMB_EXECUTOR_CORES:-2}" \
  "$app_jar" "$@"
