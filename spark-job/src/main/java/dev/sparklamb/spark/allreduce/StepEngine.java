package dev.sparklamb.spark.allreduce;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.update.ModelState;

/**
 * One implementation of the synchronous step (gradient of the global batch on the replicas, sum, optimizer update,
 * new parameters to the replicas), selected by {@code spark-lamb.training.all-reduce}.
 */
public interface StepEngine extends ModelState, AutoCloseable {

    /**
     * Runs global step {@code step} (0-based). A non-finite summed gradient leaves parameters and optimizer state
     * unchanged and is reported in {@link StepOutcome#skipped()}.
     */
    StepOutcome step(long step, BatchPlan plan);

    /** Releases what the engine keeps on the cluster (cached shards); the engine is unusable afterwards. */
    @Override
    void close();
}
