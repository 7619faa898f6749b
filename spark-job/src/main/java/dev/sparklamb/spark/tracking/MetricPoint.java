package dev.sparklamb.spark.tracking;

/** One MLflow metric value: key, value, step and timestamp (milliseconds since the epoch), as runs/log-batch takes it. */
record MetricPoint(String key, double value, long step, long timestamp) {
}
