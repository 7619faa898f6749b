package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.Objects;

/**
 * Batch sizes and training length ({@code spark-lamb.training}), validated. See {@code conf/spark-lamb-defaults.conf}
 * for the meaning of each.
 */
public record TrainingSettings(int globalBatch, int microBatch, int epochs, long maxSteps, long evalEverySteps,
                               double progressEverySeconds, int allReduceFanIn, int maxConsecutiveBadSteps, AllReduceMode allReduce,
                               int shards, int batchNormGroup, java.util.List<StageSettings> nextStages) implements Serializable {

    private static final String KEY = "training.";

    /** A run of one stage. */
    public TrainingSettings(int globalBatch, int microBatch, int epochs, long maxSteps, long evalEverySteps, double progressEverySeconds,
                            int allReduceFanIn, int maxConsecutiveBadSteps, AllReduceMode allReduce, int shards, int batchNormGroup) {
        this(globalBatch, microBatch, epochs, maxSteps, evalEverySteps, progressEverySeconds, allReduceFanIn, maxConsecutiveBadSteps,
                allReduce, shards, batchNormGroup, java.util.List.of());
    }

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
        nextStages = java.util.List.copyOf(nextStages);
        if (!nextStages.isEmpty() && maxSteps < 1) {
            throw new ConfigurationException(Checks.ROOT + KEY + "max-steps must be > 0 with " + Checks.ROOT + KEY + "next-stages: the "
                    + "first stage (the run's own data and training keys) runs exactly max-steps steps");
        }
        for (int i = 0; i < nextStages.size(); i++) {
            if (batchNormGroup > nextStages.get(i).microBatch()) {
                throw new ConfigurationException(Checks.ROOT + KEY + "batch-norm-group (" + batchNormGroup + ") must not exceed "
                        + Checks.ROOT + KEY + "next-stages[" + i + "].micro-batch (" + nextStages.get(i).microBatch() + ")");
            }
        }
    }

    /** Whether the run has stages after the first ({@code next-stages}). */
    public boolean staged() {
        return !nextStages.isEmpty();
    }

    /** The settings stage {@code stage} (of {@code next-stages}) trains with: its batches, exactly its steps. */
    public TrainingSettings forStage(StageSettings stage) {
        int epochs = (int) Math.min(stage.steps(), Integer.MAX_VALUE); // at least one step per epoch: max-steps decides
        return new TrainingSettings(stage.globalBatch(), stage.microBatch(), epochs, stage.steps(), evalEverySteps, progressEverySeconds,
                allReduceFanIn, maxConsecutiveBadSteps, allReduce, shards, batchNormGroup, java.util.List.of());
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
