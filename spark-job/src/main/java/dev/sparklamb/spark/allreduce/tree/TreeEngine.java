package dev.sparklamb.spark.allreduce.tree;

import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.allreduce.CommunicationMeter;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.allreduce.StepOutcome;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.StepTasks;
import dev.sparklamb.spark.update.GlobalUpdate;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * {@code all-reduce = tree}: broadcast the parameters; every partition sums its share's gradient; a fixed-order tree
 * ({@link GradientAllReduce}) brings the sum to the driver; {@link GlobalUpdate} applies the optimizer there.
 */
public final class TreeEngine implements StepEngine {

    private final JavaSparkContext jsc;
    private final StepTasks tasks;
    private final CachedExamples train;
    private final GlobalUpdate update;
    private final GradientAllReduce allReduce;
    private final CommunicationMeter meter;

    public TreeEngine(JavaSparkContext jsc, StepTasks tasks, CachedExamples train, GlobalUpdate update, int fanIn, CommunicationMeter meter) {
        this.jsc = jsc;
        this.tasks = tasks;
        this.train = train;
        this.update = update;
        this.allReduce = new GradientAllReduce(fanIn);
        this.meter = meter;
    }

    @Override
    public StepOutcome step(long step, BatchPlan plan) {
        long start = System.nanoTime();
        String tag = meter.begin(step);
        float[] current = update.parameters();
        Broadcast<float[]> parameters = jsc.broadcast(current);
        long distributed = System.nanoTime();
        GradientPart sum;
        try {
            JavaRDD<GradientPart> parts = tasks.gradients(train.blocks(), parameters, plan, step);
            sum = allReduce.sum(parts);
            tasks.requireWholeBatch(sum.examples(), plan, step);
        } finally {
            parameters.destroy();
            meter.end();
        }
        long reduced = System.nanoTime();
        double lr = update.learningRate();
        try {
            StepResult r = update.apply(sum, plan.globalBatch());
            return new StepOutcome(sum, r, null, lr, start, distributed, reduced, System.nanoTime(),
                    meter.collect(tag, 4L * current.length));
        } catch (InvalidGradientException e) {
            return new StepOutcome(sum, null, e, lr, start, distributed, reduced, System.nanoTime(), meter.collect(tag, 4L * current.length));
        }
    }

    @Override
    public float[] parameters() {
        return update.parameters();
    }

    @Override
    public OptimizerState state() {
        return update.state();
    }

    @Override
    public double learningRate() {
        return update.learningRate();
    }

    @Override
    public TensorLayout layout() {
        return update.layout();
    }

    @Override
    public void close() {
        meter.close();
    }
}
