package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * Which examples each global step uses. Epoch {@code e} orders the {@code n} examples by
 * {@link EpochPermutation}{@code (n, seed, e)}; its step {@code k} uses positions {@code [kB, (k+1)B)}. An epoch has
 * {@code floor(n / B)} steps; the {@code n mod B} examples at the end of its order are not used in that epoch (a
 * different set each epoch). The plan does not depend on the number of partitions: each partition takes the
 * examples of the batch that it holds, so shares are about {@code B / P} each and the result equals one process
 * training on the whole batch.
 */
public record BatchPlan(long examples, int globalBatch, int epochs, long maxSteps, long seed) implements Serializable {

    public BatchPlan {
        if (globalBatch < 1) {
            throw new IllegalArgumentException("global batch must be >= 1, got " + globalBatch);
        }
        if (examples < globalBatch) {
            throw new IllegalArgumentException("the global batch (" + globalBatch + " examples) is larger than the training data ("
                    + examples + " examples): lower spark-lamb.training.global-batch or add data");
        }
    }

    public long stepsPerEpoch() {
        return examples / globalBatch;
    }

    /** Steps the run takes: all epochs, or {@code maxSteps} when that is smaller and > 0. */
    public long totalSteps() {
        long all = stepsPerEpoch() * epochs;
        return maxSteps > 0 ? Math.min(all, maxSteps) : all;
    }

    public int epochOf(long step) {
        return (int) (step / stepsPerEpoch());
    }

    public EpochPermutation permutation(int epoch) {
        return new EpochPermutation(examples, seed, epoch);
    }

    /** First position (inclusive) of {@code step}'s batch in its epoch's order. */
    public long firstPosition(long step) {
        return (step % stepsPerEpoch()) * globalBatch;
    }
}
