#!/usr/bin/env bash
# Spark resource discovery script for NVIDIA GPUs, for spark-lamb's CUDA build (see the GPU section of
# conf/spark-defaults.conf): spark.executor.resource.gpu.discoveryScript=/path/to/gpu-discovery.sh
# (standalone workers: spark.worker.resource.gpu.discoveryScript). Spark runs it when an executor (or worker) starts
# and reads one JSON object from its standard output:
#   {"name":"gpu","addresses":["0","1"]}
# The addresses are the CUDA device indexes the executor's ND4J will use: nvidia-smi's indexes, or, when
# CUDA_VISIBLE_DEVICES is set (YARN, Kubernetes and Docker GPU isolation set it), 0..n-1 for its n entries, because
# CUDA renumbers the visible devices from 0. The resource name is "gpu", or SPARK_LAMB_GPU_RESOURCE (it must equal
# spark-lamb.device.gpu-resource). Exits 1 with a message on standard error when nvidia-smi is missing or fails.
set -euo pipefail
name="${SPARK_LAMB_GPU_RESOURCE:-gpu}"
addresses=()
if [[ -n "${CUDA_VISIBLE_DEVICES+set}" ]]; then
  IFS=',' read -r -a visible <<< "${CUDA_VISIBLE_DEVICES}"
  for ((i = 0; i < ${#visible[@]}; i++)); do
    if [[ -n "${visible[$i]// /}" ]]; then addresses+=("$i"); fi
  done
else
  if ! command -v nvidia-smi > /dev/null 2>&1; then
    echo "gpu-discovery.sh: nvidia-smi is not on the PATH ($PATH): install the NVIDIA driver on this host, or do not request GPUs (spark.executor.resource.$name.amount)" >&2
    exit 1
  fi
  if ! out="$(nvidia-smi --query-gpu=index --format=csv,noheader 2>&1)"; then
    echo "gpu-discovery.sh: 'nvidia-smi --query-gpu=index --format=csv,noheader' failed: $out" >&2
    exit 1
  fi
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"   # trim leading and trailing blanks
    line="${line%"${line##*[![:space:]]}"}"
    [[ -z "$line" ]] && continue
    if [[ ! "$line" =~ ^[0-9]+$ ]]; then
      echo "gpu-discovery.sh: nvidia-smi printed '$line' where a GPU index was expected" >&2
      exit 1
    fi
    addresses+=("$line")
  done <<< "$out"
fi
json=""
for a in "${addresses[@]+"${addresses[@]}"}"; do json+="${json:+,}\"$a\""; done
printf '{"name":"%s","addresses":[%s]}\n' "$name" "$json"
