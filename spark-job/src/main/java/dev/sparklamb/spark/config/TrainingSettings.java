package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.Objects;

/**
 * Batch sizes and training length ({@code spark-lamb.training}), validated. See {@code conf/spark-lamb-defaults.conf}
 * for the meaning of each.
 */
public record TrainingSettings(int globalBatch, int microBatch, int epochs, long maxSteps, long evalEverySteps,
                               double progressEverySeconds, int allReduceFanIn, int maxConsecutiveBadSteps, AllReduceMode allReduce,
                               int shards, int batchNormGroup) implements Serializable {

    private static final String KEY = "training.";

    public TrainingSettings {
        Checks.atLeast(KEY + "global-batch", globalBatch, 1);
        Checks.atLeast(KEY + "micro-batch", microBatch, 1);
        if (microBatch > globalBatch) {
            throw new ConfigurationException(Checks.ROOT + KEY + "micro-batch (" + microBatch + ") must not exceed " + Checks.ROOT + KEY
                    + "global-batch (" + globalBatch + ")");
        }
        Checks.atLeast(KEY + "epochs", epochs, 1);
        Checks.atLeast(KEY + "max-steps", maxSteps, 0);
        Checks.atLeast(KEY + "eval-every-steps", evalEverySteps, 0);
        Checks.positive(KEY + "progress-every-seconds", progressEverySeconds);
        Checks.atLeast(KEY + "all-reduce-fan-in", allReduceFanIn, 2);
        Checks.atLeast(KEY + "max-consecutive-bad-steps", maxConsecutiveBadSteps, 0);
        Objects.requireNonNull(allReduce, AllReduceMode.KEY);
        Checks.atLeast(KEY + "shards", shards, 0);
        Checks.atLeast(KEY + "batch-norm-group", batchNormGroup, 0);
        if (batchNormGroup > microBatch) {
            throw new ConfigurationException(Checks.ROOT + KEY + "batch-norm-group (" + batchNormGroup + ") must not exceed " + Checks.ROOT
                    + KEY + "micro-batch (" + microBatch + "): a group is normalised in one forward pass, which the micro-batch bounds");
        }
    }

    public boolean sharded() {
        return allReduce == AllReduceMode.SHARDED;
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
