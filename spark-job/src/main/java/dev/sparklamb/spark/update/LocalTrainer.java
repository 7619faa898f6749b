package dev.sparklamb.spark.update;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.PartitionGradient;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;

/**
 * The same training in one process, without Spark: one network computes the gradient of each whole global batch
 * (in micro-batches), then the same optimizer step. The distributed trainer must match it; the overhead benchmark
 * measures against it.
 */
public final class LocalTrainer {

    private final ModelSpec spec;
    private final int microBatch;
    private final int classes;

    public LocalTrainer(ModelSpec spec, int microBatch, int classes) {
        this.spec = spec;
        this.microBatch = microBatch;
        this.classes = classes;
    }

    /** Runs {@code plan}'s steps (up to {@code steps}) over all examples in {@code data}; returns the parameters. */
    public GlobalUpdate train(ExampleBlock data, BatchPlan plan, OptimizerConfig optimizer, long steps) {
        Replica replica = spec.buildReplica();
        GlobalUpdate update = new GlobalUpdate(replica.roles(), replica.parameters(), optimizer.create());
        for (long step = 0; step < Math.min(steps, plan.totalSteps()); step++) {
            step(replica, data, plan, update, step);
        }
        return update;
    }

    /** One step: gradient of the whole global batch, then the update. */
    public GradientPart step(Replica replica, ExampleBlock data, BatchPlan plan, GlobalUpdate update, long step) {
        GradientPart g = PartitionGradient.compute(0, replica, replica.roles(), data, update.parameters(), -1, plan, step, microBatch,
                classes);
        update.apply(g, plan.globalBatch());
        return g;
    }
}
