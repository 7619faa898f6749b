package dev.sparklamb.spark.config;

import java.io.Serializable;

/** Batch sizes and training length. See {@code conf/spark-lamb-defaults.conf} for the meaning of each. */
public record TrainingSettings(int globalBatch, int microBatch, int epochs, long maxSteps, long evalEverySteps,
                               double progressEverySeconds, int allReduceFanIn, int maxConsecutiveBadSteps, String allReduce,
                               int shards, int batchNormGroup) implements Serializable {

    /** The all-reduce implementations: a fixed-order tree to the driver, or reduce-scatter / sharded update / all-gather. */
    public static final java.util.List<String> ALL_REDUCE = java.util.List.of("tree", "sharded");

    public boolean sharded() {
        return "sharded".equals(allReduce);
    }

    /**
     * How many examples one forward/backward pass of a replica takes: the micro-batch, or, for a network with batch
     * normalization and {@code batch-norm-group} set, that group size (each pass normalises with its own statistics).
     */
    public int passSize(boolean batchNormalization) {
        return batchNormalization && batchNormGroup > 0 ? batchNormGroup : microBatch;
    }

    /** The number of optimizer shards for {@code partitions} partitions ({@code shards = 0}: one per partition). */
    public int shardsFor(int partitions) {
        return shards > 0 ? shards : partitions;
    }
}
