package dev.sparklamb.spark.train;

import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.TrainingSettings;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.metrics.ProgressReporter;
import dev.sparklamb.spark.metrics.StepMetrics;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel steps on Spark. Per step: broadcast the parameters; every partition sums the gradient
 * of its share of the global batch on its executor-resident replica; {@link GradientAllReduce} sums the partitions
 * in a fixed order; {@link GlobalUpdate} applies the optimizer once; the broadcast is destroyed.
 */
public final class TrainingLoop {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final JavaSparkContext jsc;
    private final RunConfig config;
    private final ModelSpec spec;
    private final GradientAllReduce allReduce;
    /** Random per loop, so replicas reused across runs in one JVM never mistake old parameters for current ones. */
    private final long runId = new java.util.Random().nextLong();
    private long broadcasts;
    private Evaluation lastEvaluation;

    public TrainingLoop(JavaSparkContext jsc, RunConfig config, ModelSpec spec) {
        this.jsc = jsc;
        this.config = config;
        this.spec = spec.withDevice(config.device());
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
     * Runs the remaining steps from {@code progress.nextStep()} to the plan's end.
     *
     * @param listener called after every step (metrics output, checkpoints)
     */
    public List<StepMetrics> run(CachedExamples train, Optional<CachedExamples> test, GlobalUpdate update, TrainingProgress progress,
                                 TrainingListener listener) {
        TrainingSettings t = config.training();
        BatchPlan plan = plan(train);
        long total = plan.totalSteps();
        ProgressReporter reporter = new ProgressReporter(t.progressEverySeconds(), t.epochs());
        List<StepMetrics> history = new ArrayList<>();
        int classes = config.model().classes();
        while (progress.nextStep() < total) {
            long step = progress.nextStep();
            long start = System.nanoTime();
            Broadcast<float[]> parameters = jsc.broadcast(update.parameters());
            long broadcastDone = System.nanoTime();
            GradientPart sum;
            try {
                JavaRDD<GradientPart> parts = gradients(train.blocks(), parameters, nextVersion(), plan, step, t.microBatch(), classes);
                sum = allReduce.sum(parts);
                if (sum.examples() != plan.globalBatch()) {
                    throw new IllegalStateException("step " + (step + 1) + ": the partitions contributed " + sum.examples()
                            + " examples, expected the global batch of " + plan.globalBatch());
                }
            } finally {
                parameters.destroy();
            }
            long reduced = System.nanoTime();
            StepMetrics m;
            try {
                StepResult r = update.apply(sum.gradient(), plan.globalBatch());
                progress.applied();
                m = StepMetricsFactory.of(r, plan, step, sum, start, broadcastDone, reduced, System.nanoTime());
            } catch (InvalidGradientException e) {
                progress.skipped();
                LOG.warn("step {} skipped: {} ({} in a row, {} in this run)", step + 1, e.getMessage(), progress.consecutiveBadSteps(),
                        progress.skippedSteps());
                m = StepMetricsFactory.skipped(plan, step, update.learningRate(), sum, start, broadcastDone, reduced, System.nanoTime());
                if (progress.consecutiveBadSteps() > t.maxConsecutiveBadSteps()) {
                    listener.stepDone(m, progress, update);
                    throw new TrainingDivergedException(progress.consecutiveBadSteps() + " consecutive steps had non-finite gradients "
                            + "(more than spark-lamb.training.max-consecutive-bad-steps = " + t.maxConsecutiveBadSteps() + "); last: "
                            + e.getMessage(), e);
                }
            }
            if (test.isPresent() && (step + 1 == total || t.evalEverySteps() > 0 && (step + 1) % t.evalEverySteps() == 0)) {
                Evaluation e = evaluate(test.get(), update.parameters());
                lastEvaluation = e;
                m = m.withEvaluation(e.accuracy(), e.meanLoss());
            }
            history.add(m);
            listener.stepDone(m, progress, update);
            reporter.report(m);
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

    /** The most recent evaluation on the test data during {@link #run}, if any. */
    public Optional<Evaluation> lastEvaluation() {
        return Optional.ofNullable(lastEvaluation);
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
