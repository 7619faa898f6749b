package dev.sparklamb.spark.train;

/**
 * Where one stage of a staged run ({@code spark-lamb.training.next-stages}) lies in the run: stage {@code index}
 * (0-based) covers the run's steps {@code [offset, offset + its plan's steps)} of {@code total}.
 */
public record StageSpan(int index, long offset, long total) {
}
