package dev.sparklamb.spark.train;

import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.spark.allreduce.CommunicationMeter;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.allreduce.StepOutcome;
import dev.sparklamb.spark.allreduce.sharded.ShardedEngine;
import dev.sparklamb.spark.allreduce.tree.TreeEngine;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.TrainingSettings;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.evaluate.Evaluator;
import dev.sparklamb.spark.gradient.StepTasks;
import dev.sparklamb.spark.gradient.TokenMasking;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.output.ProgressLog;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.output.StepMetricsFactory;
import dev.sparklamb.spark.update.GlobalUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel steps on Spark, with the all-reduce the configuration selects ({@link TreeEngine} or
 * {@link ShardedEngine}): per step every partition sums the gradient of its share of the global batch on its
 * executor-resident replica, the partitions' gradients are summed in a fixed order, the optimizer is applied once per
 * tensor, and the new parameters reach the replicas. Metrics, evaluation, progress and the listener are handled here.
 */
public final class TrainingLoop {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final JavaSparkContext jsc;
    private final RunConfig config;
    private final ModelSpec spec;
    private final StepTasks tasks;
    /** BERT's masking for token data ({@code data.format = tokens}), else null. */
    private final TokenMasking masking;
    /** Random per loop: evaluation broadcasts get versions no step uses. */
    private final long evalVersionBase = new java.util.Random().nextLong() | (1L << 62);
    private long evaluations;

    /** A loop for a network without frozen tensors (every tensor checked and roled by {@link ModelSpec#build()}'s network). */
    public TrainingLoop(JavaSparkContext jsc, RunConfig config, ModelSpec spec) {
        this(jsc, config, spec, spec.build().roles());
    }

    /** A loop that trains {@code spec}'s network with the tensors' roles from {@code NetworkCheck}. */
    public TrainingLoop(JavaSparkContext jsc, RunConfig config, ModelSpec spec, ParameterRoles roles) {
        this.jsc = jsc;
        this.config = config;
        this.spec = spec.withDevice(config.device());
        if (config.training().batchNormGroup() > 0 && !roles.hasStatistics()) {
            throw new ConfigurationException("spark-lamb.training.batch-norm-group is " + config.training().batchNormGroup()
                    + " but the network has no BatchNormalization layer; remove the key (or set it to 0)");
        }
        this.masking = config.data().isTokens() ? new TokenMasking(config.seed(), config.model().classes(), config.data().tokens()) : null;
        this.tasks = new StepTasks(this.spec, roles, config.training().passSize(roles.hasStatistics()), config.model().classes(), masking);
        String optimizerName = config.optimizer().name();
        if (!roles.weightDecayOverrides().isEmpty() && !optimizerName.equals("lamb") && !optimizerName.equals("adamw")) {
            throw new ConfigurationException("spark-lamb.optimizer.name: '" + optimizerName + "' cannot honour DL4J's WeightDecay "
                    + "regularization of " + roles.weightDecayOverrides().keySet() + ", which is decoupled weight decay: "
                    + ("adam".equals(optimizerName) ? "adam's weight decay is an L2 term in the gradient (use l2 on the layer, or adamw)"
                    : "lars applies weight decay inside its momentum (use l2 on the layer, or lamb)"));
        }
        if (config.training().sharded() && roles.gradientNormalization().any()) {
            throw new ConfigurationException("spark-lamb.training.all-reduce: 'sharded' cannot apply DL4J's per-layer gradient "
                    + "normalization (a layer of the network sets gradientNormalization), which needs each layer's whole gradient in "
                    + "one place; use all-reduce = tree, or remove the layer's gradientNormalization");
        }
    }

    /**
     * The run's optimizer for {@code plan}: {@code spark-lamb.optimizer.*}, with batch normalization's gamma and beta
     * excluded from weight decay and layer adaptation unless {@code optimizer.exclude-batch-norm} is false.
     */
    public Optimizer optimizer(BatchPlan plan) {
        return optimizer(plan, null);
    }

    /** As {@link #optimizer(BatchPlan)}, with {@code schedule} in place of the plan's (null: the plan's). */
    public Optimizer optimizer(BatchPlan plan, dev.sparklamb.optim.schedule.LearningRateSchedule schedule) {
        dev.sparklamb.optim.OptimizerConfig optimizer = config.optimizer().excludingBatchNorm(roles().normalization())
                .create(plan.totalSteps(), plan.globalBatch());
        if (schedule != null) {
            optimizer = optimizer.withLearningRate(schedule);
        }
        if (!roles().weightDecayOverrides().isEmpty()) {
            optimizer = optimizer.withWeightDecayOverrides(roles().weightDecayOverrides());
        }
        return optimizer.create();
    }

    /** What each tensor is: the optimizer state of {@link #engine} covers {@code roles().optimized()}. */
    public ParameterRoles roles() {
        return tasks.roles();
    }

    /**
     * Refuses training data with fewer examples than partitions (each partition is a model replica).
     *
     * @param configured {@code spark-lamb.data.partitions} as configured (0: Spark's default parallelism), for the message
     */
    public static void requireEnoughExamples(CachedExamples train, int configured) {
        if (train.partitions() > train.count()) {
            throw new ConfigurationException("spark-lamb.data.partitions = " + configured
                    + (configured == 0 ? " (Spark's default parallelism, " + train.partitions() + ")" : "") + " is larger than the "
                    + train.count() + " examples of " + train.description() + ": each partition is a model replica that needs examples; "
                    + "set spark-lamb.data.partitions to at most " + train.count());
        }
    }

    public BatchPlan plan(CachedExamples train) {
        TrainingSettings t = config.training();
        requireEnoughExamples(train, config.data().partitions());
        try {
            return new BatchPlan(train.count(), t.globalBatch(), t.epochs(), t.maxSteps(), config.seed());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("spark-lamb.training.global-batch: " + e.getMessage() + " (" + train.description() + ")", e);
        }
    }

    /**
     * The step engine of {@code spark-lamb.training.all-reduce}, starting from {@code parameters} and {@code state}
     * (fresh or restored). Close it when done.
     */
    public StepEngine engine(CachedExamples train, float[] parameters, Optimizer optimizer, OptimizerState state) {
        TrainingSettings t = config.training();
        CommunicationMeter meter = new CommunicationMeter(jsc.sc());
        if (!t.sharded()) {
            return new TreeEngine(jsc, tasks, train, new GlobalUpdate(roles(), parameters, optimizer, state), t.allReduceFanIn(), meter);
        }
        return new ShardedEngine(jsc, tasks, train, parameters, optimizer, state, t.shardsFor(train.partitions()), t.allReduceFanIn(),
                meter);
    }

    /** {@link #run(CachedExamples, Optional, StepEngine, TrainingProgress, StepListener)} with the tree all-reduce. */
    public List<StepMetrics> run(CachedExamples train, Optional<CachedExamples> test, GlobalUpdate update, TrainingProgress progress,
                                 StepListener listener) {
        try (StepEngine engine = new TreeEngine(jsc, tasks, train, update, config.training().allReduceFanIn(),
                new CommunicationMeter(jsc.sc()))) {
            return run(train, test, engine, progress, listener);
        }
    }

    /** {@link #runSteps}'s metrics: the steps from {@code progress.nextStep()} to the plan's end. */
    public List<StepMetrics> run(CachedExamples train, Optional<CachedExamples> test, StepEngine engine, TrainingProgress progress,
                                 StepListener listener) {
        return runSteps(train, test, engine, progress, listener).history();
    }

    /**
     * Runs the remaining steps from {@code from.nextStep()} to the plan's end.
     *
     * @param listener called after every step (metrics output, checkpoints) with the progress after it
     * @return the steps' metrics, the progress after the last one, and the last evaluation on {@code test}
     */
    public TrainingRun runSteps(CachedExamples train, Optional<CachedExamples> test, StepEngine engine, TrainingProgress from,
                                StepListener listener) {
        return runSteps(train, test, engine, from, listener, null);
    }

    /**
     * As above for one stage of a staged run: {@code from.nextStep()} and the listener's progress count the run's steps
     * across stages; this stage runs the run's steps {@code [span.offset(), span.offset() + plan steps)}, which are its own
     * steps {@code 0, 1, ...} of its {@link BatchPlan}; the metrics carry the stage ({@link StepMetrics#atStage}).
     *
     * @param span null: an unstaged run
     */
    public TrainingRun runSteps(CachedExamples train, Optional<CachedExamples> test, StepEngine engine, TrainingProgress from,
                                StepListener listener, StageSpan span) {
        TrainingSettings t = config.training();
        BatchPlan plan = plan(train);
        long offset = span == null ? 0 : span.offset();
        long total = plan.totalSteps();
        ProgressLog reporter = new ProgressLog(t.progressEverySeconds(), t.epochs());
        List<StepMetrics> history = new ArrayList<>();
        TrainingProgress progress = from;
        EvaluationScore lastEvaluation = null;
        while (progress.nextStep() < offset + total) {
            long runStep = progress.nextStep();
            long step = runStep - offset;
            StepOutcome o = engine.step(step, plan);
            StepMetrics m;
            if (!o.wasSkipped()) {
                progress = progress.applied();
                m = StepMetricsFactory.of(o.result(), plan, step, o.sum(), o.start(), o.distributed(), o.reduced(), o.updated());
            } else {
                InvalidGradientException e = o.skipped();
                progress = progress.skipped();
                LOG.warn("step {} skipped: {} ({} in a row, {} in this run)", step + 1, e.getMessage(), progress.consecutiveBadSteps(),
                        progress.skippedSteps());
                m = StepMetricsFactory.skipped(plan, step, o.learningRate(), o.sum(), o.start(), o.distributed(), o.reduced(), o.updated());
            }
            if (span != null) {
                m = m.atStage(span.index(), offset, span.total());
            }
            m = m.withCommunication(o.communication());
            if (o.wasSkipped() && progress.consecutiveBadSteps() > t.maxConsecutiveBadSteps()) {
                listener.stepDone(m, progress, engine);
                throw new TrainingDivergedException(progress.consecutiveBadSteps() + " consecutive steps had non-finite gradients "
                        + "(more than spark-lamb.training.max-consecutive-bad-steps = " + t.maxConsecutiveBadSteps() + "); last: "
                        + o.skipped().getMessage(), o.skipped());
            }
            if (test.isPresent() && (step + 1 == total || t.evalEverySteps() > 0 && (runStep + 1) % t.evalEverySteps() == 0)) {
                EvaluationScore e = evaluate(test.get(), engine.parameters());
                lastEvaluation = e;
                m = m.withEvaluation(e.accuracy(), e.meanLoss());
            }
            history.add(m);
            listener.stepDone(m, progress, engine);
            reporter.report(m);
        }
        return new TrainingRun(history, progress, Optional.ofNullable(lastEvaluation));
    }

    /** Accuracy and loss of {@code parameters} on {@code data}. */
    public EvaluationScore evaluate(CachedExamples data, float[] parameters) {
        Broadcast<float[]> b = jsc.broadcast(parameters);
        try {
            return Evaluator.evaluate(data, spec, b, (evalVersionBase + evaluations++) & Long.MAX_VALUE,
                    config.training().microBatch(), config.model().classes(), masking);
        } finally {
            b.destroy();
        }
    }
}
