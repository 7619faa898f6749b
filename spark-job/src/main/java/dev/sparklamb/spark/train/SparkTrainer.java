package dev.sparklamb.spark.train;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.spark.checkpoint.CheckpointStore;
import dev.sparklamb.spark.checkpoint.Resumption;
import dev.sparklamb.spark.checkpoint.RunCheckpoint;
import dev.sparklamb.spark.checkpoint.RunFingerprint;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.device.ExecutorDevice;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.lease.RunLease;
import dev.sparklamb.spark.model.InitialParameters;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.NetworkCheck;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.output.RunOutput;
import dev.sparklamb.spark.output.RunSummary;
import dev.sparklamb.spark.tracking.RunTracking;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public entry point: trains a DL4J network with synchronous data-parallel steps on an existing
 * {@link SparkSession} (it never stops the session), from a {@link RunConfig}.
 *
 * <pre>{@code
 * RunConfig config = ConfigLoader.load(hocon, "my.conf", List.of());
 * TrainedModel result = new SparkTrainer(spark, config).fit(trainDf, testDf);
 * MultiLayerNetwork net = (MultiLayerNetwork) result.model();
 * }</pre>
 *
 * Everything is validated (configuration, model, data, output directory) before the output directory is created,
 * so bad input leaves nothing behind. Checkpoints (parameters and full optimizer state) are written every
 * {@code checkpoint.every-steps} and at the end; {@link #resume(boolean)} continues a run bitwise-exactly.
 */
public final class SparkTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final SparkSession spark;
    private final RunConfig config;
    private final boolean resume;
    private final StepListener listener;
    private final Clock clock;

    public SparkTrainer(SparkSession spark, RunConfig config) {
        this(spark, config, false, (m, p, u) -> { }, Clock.systemUTC());
    }

    private SparkTrainer(SparkSession spark, RunConfig config, boolean resume, StepListener listener, Clock clock) {
        this.spark = spark;
        this.config = config;
        this.resume = resume;
        this.listener = listener;
        this.clock = clock;
    }

    /**
     * The clock the run lease uses to date its renewals and to judge other runs' leases (the system's by default;
     * tests use another to make a lease look stale).
     */
    public SparkTrainer clock(Clock leaseClock) {
        return new SparkTrainer(spark, config, resume, listener, leaseClock);
    }

    /**
     * With {@code true}, continue from the newest valid checkpoint in the output directory (a damaged newest one is
     * reported and the previous one used; one from another model or configuration is refused), or start afresh if
     * there is none. The same command can therefore be re-run after any failure.
     */
    public SparkTrainer resume(boolean enabled) {
        return new SparkTrainer(spark, config, enabled, listener, clock);
    }

    /** Also calls {@code extra} after every step (after metrics and checkpoint are written). */
    public SparkTrainer listener(StepListener extra) {
        StepListener first = listener;
        return new SparkTrainer(spark, config, resume, (m, p, u) -> {
            first.stepDone(m, p, u);
            extra.stepDone(m, p, u);
        }, clock);
    }

    /** Trains on the configuration's {@code data.train} (and evaluates on {@code data.test} when set). */
    public TrainedModel fit() {
        if (config.data().train().isEmpty()) {
            throw new DataException("spark-lamb.data.train is not set: give the training data's path");
        }
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<String> inputs = new java.util.ArrayList<>(List.of(config.data().train(), config.data().test()));
        config.training().nextStages().forEach(st -> inputs.addAll(List.of(st.train(), st.test())));
        RunOutput.requireOutsideInputs("spark-lamb.output", config.output(), inputs, hadoop);
        RunOutput.requireOutsideInputs("spark-lamb.checkpoint.dir", config.checkpoint().directory(config.output()), inputs, hadoop);
        return fit(reader -> reader.read(config.data().train(), "training data"),
                config.data().hasTest() ? reader -> reader.read(config.data().test(), "test data") : null);
    }

    /** Trains on {@code train}; evaluates on {@code test} when it is not null. */
    public TrainedModel fit(Dataset<Row> train, Dataset<Row> test) {
        if (config.training().staged()) {
            throw new dev.sparklamb.spark.config.ConfigurationException("spark-lamb.training.next-stages: a staged run reads each "
                    + "stage's data from its path; use fit() with data.train and the stages' train paths, or remove next-stages");
        }
        return fit(reader -> reader.fromDataFrame(train, "training data"),
                test == null ? null : reader -> reader.fromDataFrame(test, "test data"));
    }

    private TrainedModel fit(Function<DatasetReader, CachedExamples> loadTrain, Function<DatasetReader, CachedExamples> loadTest) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        if (resume) {
            RunOutput.requireResumable(config.output(), hadoop);
        } else {
            RunOutput.requireUsable(config.output(), hadoop);
        }
        RunLease.requireFree(config.output(), hadoop, clock); // early; acquire() below decides
        RunTracking.requireValid(config, System.getenv());
        ExecutorDevice.requireDriverSupported();
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), hadoop);
        Replica driverModel = spec.build();
        ParameterRoles roles = NetworkCheck.check(driverModel.network(), "spark-lamb.model (" + spec.name() + ")", config.model().freeze());
        if (config.data().isTokens()) {
            config.data().tokens().requireWithin(config.model().classes());
            ModelFactory.requireFitsSequences(driverModel, config.model().classes(), config.data().tokens().sequenceLength(), spec.name());
            for (dev.sparklamb.spark.config.StageSettings st : config.training().nextStages()) {
                ModelFactory.requireFitsSequences(driverModel, config.model().classes(), st.sequenceLength(), spec.name());
            }
            requireImportsConsistent(hadoop);
        } else {
            ModelFactory.requireFits(driverModel, config.model(), spec.name());
        }
        requireMicroBatchFits(driverModel);
        float[] initial = config.model().initFrom().isEmpty() ? driverModel.parameters()
                : InitialParameters.fromModelZip(config.model().initFrom(), roles.full(), hadoop);
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples train = loadTrain.apply(reader);
        Optional<CachedExamples> test = Optional.empty();
        List<CachedExamples[]> later = new java.util.ArrayList<>();
        try {
            TrainingLoop.requireEnoughExamples(train, config.data().partitions()); // before the test data is read
            test = Optional.ofNullable(loadTest).map(f -> f.apply(reader));
            List<dev.sparklamb.spark.config.StageSettings> next = config.training().nextStages();
            for (int i = 0; i < next.size(); i++) { // every stage's data checked before anything is trained
                RunConfig c = config.forStage(next.get(i));
                DatasetReader r = new DatasetReader(spark, c.data(), config.model().inputSize(), config.model().classes(), config.seed());
                CachedExamples[] data = new CachedExamples[2];
                later.add(data);
                String what = "stage " + (i + 1) + " (spark-lamb.training.next-stages[" + i + "]) ";
                data[0] = r.read(next.get(i).train(), what + "training data");
                data[1] = c.data().hasTest() ? r.read(next.get(i).test(), what + "test data") : null;
            }
            return train(spec, driverModel, roles, initial, train, test, later, hadoop);
        } finally {
            train.release();
            test.ifPresent(CachedExamples::release);
            later.forEach(d -> java.util.Arrays.stream(d).filter(java.util.Objects::nonNull).forEach(CachedExamples::release));
        }
    }

    /** Every stage's micro-batch must fit in an executor ({@link MicroBatchMemory}). */
    private void requireMicroBatchFits(Replica driverModel) {
        int partitions = config.data().partitions() > 0 ? config.data().partitions() : spark.sparkContext().defaultParallelism();
        MicroBatchMemory.Executor executor = MicroBatchMemory.executor(spark.sparkContext().getConf(), partitions);
        int classes = config.model().classes();
        if (!config.data().isTokens()) {
            int inputs = config.model().inputSize();
            MicroBatchMemory.require(MicroBatchMemory.need(driverModel, org.deeplearning4j.nn.conf.inputs.InputType.feedForward(inputs),
                    config.training().microBatch(), inputs, classes), executor, config.training().microBatch());
            return;
        }
        List<int[]> passes = new java.util.ArrayList<>(); // {micro-batch, sequence length}
        passes.add(new int[] {config.training().microBatch(), config.data().tokens().sequenceLength()});
        config.training().nextStages().forEach(st -> passes.add(new int[] {st.microBatch(), st.sequenceLength()}));
        for (int i = 0; i < passes.size(); i++) {
            int[] p = passes.get(i);
            MicroBatchMemory.require(MicroBatchMemory.need(driverModel, org.deeplearning4j.nn.conf.inputs.InputType.recurrent(1, p[1]), p[0],
                    p[1], (long) classes * p[1]), executor, p[0],
                    i == 0 ? "spark-lamb.training.micro-batch" : "spark-lamb.training.next-stages[" + (i - 1) + "].micro-batch");
        }
    }

    /** Token data written by import-text: its text-import.json must agree with the vocabulary size, special ids and lengths. */
    private void requireImportsConsistent(Configuration hadoop) {
        dev.sparklamb.spark.config.TokenSettings t = config.data().tokens();
        int v = config.model().classes();
        for (String p : List.of(config.data().train(), config.data().test())) {
            if (!p.isEmpty()) {
                dev.sparklamb.spark.data.TextImportInfo.requireConsistent(p, t, t.sequenceLength(), v, hadoop);
            }
        }
        for (dev.sparklamb.spark.config.StageSettings st : config.training().nextStages()) {
            for (String p : List.of(st.train(), st.test())) {
                if (!p.isEmpty()) {
                    dev.sparklamb.spark.data.TextImportInfo.requireConsistent(p, t, st.sequenceLength(), v, hadoop);
                }
            }
        }
    }

    /** Restores or starts, runs the steps with metrics and checkpoints ({@link #runAndWrite}), and reports the evaluation. */
    private TrainedModel train(ModelSpec spec, Replica driverModel, ParameterRoles roles, float[] initial, CachedExamples train,
                               Optional<CachedExamples> test, List<CachedExamples[]> later, Configuration hadoop) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrainingLoop loop = new TrainingLoop(jsc, config, spec, roles);
        TrainingStages stages = TrainingStages.of(jsc, config, spec, roles, loop, train, test, later);
        BatchPlan plan = loop.plan(train);
        Optimizer optimizer = stages.optimizer();
        String fingerprint = RunFingerprint.of(spec, config, train.count(), later.stream().mapToLong(d -> d[0].count()).toArray());
        CheckpointStore checkpoints = new CheckpointStore(config.checkpoint().directory(config.output()), hadoop, config.checkpoint().keep());
        Resumption.requireNoOtherRun(checkpoints, resume);
        ResolvedConfiguration resolved = ResolvedConfiguration.of(config);
        Optional<RunCheckpoint> restored = Resumption.restore(checkpoints, resume, resolved, fingerprint);
        TrainingProgress progress = restored.map(c -> new TrainingProgress(c.nextStep(), c.skippedSteps(), c.consecutiveBadSteps()))
                .orElseGet(TrainingProgress::start);
        LOG.info("training {} ({} parameters in {} tensors) with {} on {} examples in {} partitions: global batch {}, "
                        + "micro-batch {}, {} steps ({} per epoch), peak learning rate {}, {} all-reduce{}",
                spec.name() + " (" + roles + ")", driverModel.parameterCount(), driverModel.layout().size(), config.optimizer().name(),
                train.count(),
                train.partitions(), plan.globalBatch(), config.training().microBatch(), plan.totalSteps(), plan.stepsPerEpoch(),
                String.format("%.4g", config.optimizer().peakLearningRate(plan.globalBatch())), config.training().allReduce(),
                restored.isPresent() ? ", resuming at step " + (progress.nextStep() + 1) : "");
        float[] startParameters = restored.map(RunCheckpoint::parameters).orElse(initial);
        OptimizerState startState = restored.map(RunCheckpoint::optimizerState).orElseGet(() -> optimizer.init(roles.optimized()));
        java.util.function.Function<StepListener, TrainingStages.Result> steps = listen -> stages.run(progress, startParameters, startState,
                (stage, parameters, state) -> stage.loop().engine(stage.train(), parameters, optimizer, state), listen);
        Trained done = runAndWrite(steps, driverModel, train, plan, stages, progress, checkpoints, resolved, fingerprint, hadoop);
        TrainingRun run = done.run();
        Optional<EvaluationScore> finalEvaluation = run.lastEvaluation().filter(e -> run.progress().nextStep() == stages.totalSteps());
        finalEvaluation.ifPresent(e -> LOG.info(config.data().isTokens()
                        ? "final held-out masked-token accuracy {} ({} masked tokens), MLM loss {} per token, perplexity {}"
                        : "final test accuracy {} ({} examples), test loss {}", String.format("%.2f%%", 100 * e.accuracy()), e.examples(),
                String.format("%.4f", e.meanLoss()), String.format("%.3f", Math.exp(e.meanLoss()))));
        return new TrainedModel(driverModel.network(), done.parameters(), done.state(), run.history(), finalEvaluation);
    }

    /** The loop's run with the final parameters and optimizer state. */
    private record Trained(TrainingRun run, float[] parameters, OptimizerState state) {
    }

    /**
     * Under the run lease: runs the steps from {@code progress} with metrics and checkpoints ({@code steps}, given the
     * listener that writes them), then writes the model and the summary (unless the run was already complete).
     */
    private Trained runAndWrite(java.util.function.Function<StepListener, TrainingStages.Result> steps, Replica driverModel,
                                CachedExamples train, BatchPlan plan, TrainingStages stages, TrainingProgress progress,
                                CheckpointStore checkpoints, ResolvedConfiguration resolved, String fingerprint, Configuration hadoop) {
        long start = System.nanoTime();
        try (RunLease lease = RunLease.acquire(config.output(), hadoop, Duration.ofSeconds(config.lease().timeoutSeconds()), clock);
             RunOutput output = resume ? RunOutput.resume(config.output(), hadoop, progress.nextStep())
                     : RunOutput.create(config.output(), hadoop);
             RunTracking tracking = RunTracking.start(config, resolved, resume, checkpoints.directory(), output.uri(), hadoop,
                     System.getenv())) {
          try {
            checkpoints.saveConfiguration(resolved.render());
            TrainingStages.Result done;
            try {
                done = steps.apply(checkpointing(output, checkpoints, stages, fingerprint, lease, tracking));
            } catch (TrainingDivergedException e) {
                List<org.apache.hadoop.fs.Path> saved = checkpoints.list();
                LOG.error("{}; last good checkpoint: {}", e.getMessage(),
                        saved.isEmpty() ? "none (no step was checkpointed yet)" : saved.get(saved.size() - 1));
                throw e;
            }
            TrainingRun run = done.run();
            lease.requireHeld();
            if (run.history().isEmpty() && output.exists(RunOutput.MODEL) && output.exists(RunOutput.SUMMARY)) {
                LOG.info("the run in {} was already complete; its model and summary are kept as they are", output.uri());
                tracking.completed(java.util.Map.of());
            } else {
                driverModel.setParameters(done.parameters(), -1);
                output.writeAtomically(RunOutput.MODEL, o -> ModelSerializer.writeModel(driverModel.network(), o, false));
                java.util.Map<String, Object> summary = RunSummary.of(config, output.uri(), train, plan, run.progress().skippedSteps(),
                        run.history(), (System.nanoTime() - start) / 1e9, run.lastEvaluation()
                                .filter(e -> e.classification().isPresent())
                                .map(e -> dev.sparklamb.spark.evaluate.ClassificationReport.of(e, config.model().classes())));
                if (stages.staged()) {
                    summary.put("steps", stages.totalSteps());
                    summary.put("stages", stages.describe());
                }
                output.writeSummary(summary);
                tracking.completed(summary);
            }
            return new Trained(run, done.parameters(), done.state());
          } catch (RuntimeException | Error e) {
            tracking.failed(e);
            throw e;
          }
        }
    }

    /**
     * After each step: the metrics line, then a checkpoint when due (and after the last step), then the tracking queue, then the
     * user's listener.
     */
    private StepListener checkpointing(RunOutput output, CheckpointStore checkpoints, TrainingStages stages, String fingerprint,
                                       RunLease lease, RunTracking tracking) {
        int every = config.checkpoint().everySteps();
        return (m, p, u) -> {
            lease.requireHeld();
            output.writeStep(m);
            if (p.nextStep() == stages.totalSteps() || stages.staged() && stages.endsStage(p.nextStep())
                    || every > 0 && p.nextStep() % every == 0) {
                checkpoints.save(new RunCheckpoint(p.nextStep(), p.skippedSteps(), p.consecutiveBadSteps(), fingerprint,
                        u.parameters(), u.state().copy()));
            }
            tracking.stepDone(m);
            listener.stepDone(m, p, u);
        };
    }
}
