package dev.sparklamb.spark.bench.sweep;

/** Where and from which source a run was made, recorded in its result. */
record RunContext(String gitCommit, String startedAt, String host) {
}
