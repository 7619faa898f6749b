package dev.sparklamb.spark.train;

import dev.sparklamb.optim.StepResult;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.TrainingSettings;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.metrics.ProgressReporter;
import dev.sparklamb.spark.metrics.RunOutput;
import dev.sparklamb.spark.metrics.StepMetrics;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel steps on Spark. Per step: broadcast the parameters; every partition sums the gradient
 * of its share of the global batch on its executor-resident replica; {@link GradientAllReduce} sums the partitions
 * in a fixed order; {@link GlobalUpdate} applies the optimizer once; the broadcast is destroyed.
 */
public final class TrainingLoop {

    private final JavaSparkContext jsc;
    private final RunConfig config;
    private final ModelSpec spec;
    private final GradientAllReduce allReduce;
    /** Random per loop, so replicas reused across runs in one JVM never mistake old parameters for current ones. */
    private final long runId = new java.util.Random().nextLong();
    private long broadcasts;

    public TrainingLoop(JavaSparkContext jsc, RunConfig config, ModelSpec spec) {
        this.jsc = jsc;
        this.config = config;
        this.spec = spec;
        this.allReduce = new GradientAllReduce(config.training().allReduceFanIn());
    }

    public BatchPlan plan(CachedExamples train) {
        TrainingSettings t = config.training();
        try {
            return new BatchPlan(train.count(), t.globalBatch(), t.epochs(), t.maxSteps(), config.seed());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("spark-lamb.training.global-batch: " + e.getMessage() + " (" + train.description() + ")", e);
        }
    }

    /**
     * @param sink receives every step's metrics (e.g. a {@link RunOutput}); may be a no-op
     */
    public List<StepMetrics> run(CachedExamples train, Optional<CachedExamples> test, GlobalUpdate update, Consumer<StepMetrics> sink) {
        TrainingSettings t = config.training();
        BatchPlan plan = plan(train);
        long total = plan.totalSteps();
        ProgressReporter progress = new ProgressReporter(t.progressEverySeconds(), t.epochs());
        List<StepMetrics> history = new ArrayList<>();
        int classes = config.model().classes();
        for (long step = update.state().step(); step < total; step++) {
            long start = System.nanoTime();
            float[] current = update.parameters();
            long version = nextVersion();
            Broadcast<float[]> parameters = jsc.broadcast(current);
            long broadcastDone = System.nanoTime();
            GradientPart sum;
            try {
                JavaRDD<GradientPart> parts = gradients(train.blocks(), parameters, version, plan, step, t.microBatch(), classes);
                sum = allReduce.sum(parts);
                if (sum.examples() != plan.globalBatch()) {
                    throw new IllegalStateException("step " + (step + 1) + ": the partitions contributed " + sum.examples()
                            + " examples, expected the global batch of " + plan.globalBatch());
                }
            } finally {
                parameters.destroy();
            }
            long reduced = System.nanoTime();
            StepResult r = update.apply(sum.gradient(), plan.globalBatch());
            long updated = System.nanoTime();
            StepMetrics m = StepMetricsFactory.of(r, plan, step, sum, start, broadcastDone, reduced, updated);
            if (test.isPresent() && (step + 1 == total || t.evalEverySteps() > 0 && (step + 1) % t.evalEverySteps() == 0)) {
                Evaluation e = evaluate(test.get(), update.parameters());
                m = m.withEvaluation(e.accuracy(), e.meanLoss());
            }
            history.add(m);
            sink.accept(m);
            progress.report(m);
        }
        return history;
    }

    private JavaRDD<GradientPart> gradients(JavaRDD<ExampleBlock> blocks, Broadcast<float[]> parameters, long version, BatchPlan plan,
                                            long step, int microBatch, int classes) {
        ModelSpec s = spec;
        return blocks.mapPartitionsWithIndex((index, it) -> {
            ExampleBlock block = it.hasNext() ? it.next() : new ExampleBlock(index, 0, new long[0], new float[0], new int[0]);
            GradientPart part = ReplicaPool.withReplica(s, replica ->
                    PartitionGradient.compute(index, replica, block, parameters.value(), version, plan, step, microBatch, classes));
            return List.of(part).iterator();
        }, true);
    }

    /** A number that identifies one parameter broadcast; replicas skip reloading parameters they already hold. */
    private long nextVersion() {
        return (runId + broadcasts++) & Long.MAX_VALUE;
    }

    /** Accuracy and loss of {@code parameters} on {@code data}. */
    public Evaluation evaluate(CachedExamples data, float[] parameters) {
        Broadcast<float[]> b = jsc.broadcast(parameters);
        try {
            return Evaluator.evaluate(data, spec, b, nextVersion(),
                    config.training().microBatch(), config.model().classes());
        } finally {
            b.destroy();
        }
    }
}
