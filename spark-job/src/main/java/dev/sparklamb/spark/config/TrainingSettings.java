package dev.sparklamb.spark.config;

import java.io.Serializable;

/** Batch sizes and training length. See {@code conf/spark-lamb-defaults.conf} for the meaning of each. */
public record TrainingSettings(int globalBatch, int microBatch, int epochs, long maxSteps, long evalEverySteps,
                               double progressEverySeconds, int allReduceFanIn, int maxConsecutiveBadSteps) implements Serializable {
}
