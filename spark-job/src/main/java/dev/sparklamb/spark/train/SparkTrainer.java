package dev.sparklamb.spark.train;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.metrics.RunOutput;
import dev.sparklamb.spark.metrics.StepMetrics;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * TrainingResult result = new SparkTrainer(spark, config).fit(trainDf, testDf);
 * MultiLayerNetwork net = (MultiLayerNetwork) result.model();
 * }</pre>
 *
 * Everything is validated (configuration, model, data, output directory) before the output directory is created,
 * so bad input leaves nothing behind.
 */
public final class SparkTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final SparkSession spark;
    private final RunConfig config;

    public SparkTrainer(SparkSession spark, RunConfig config) {
        this.spark = spark;
        this.config = config;
    }

    /** Trains on the configuration's {@code data.train} (and evaluates on {@code data.test} when set). */
    public TrainingResult fit() {
        if (config.data().train().isEmpty()) {
            throw new DataException("spark-lamb.data.train is not set: give the training data's path");
        }
        return fit(reader -> reader.read(config.data().train(), "training data"),
                config.data().hasTest() ? reader -> reader.read(config.data().test(), "test data") : null);
    }

    /** Trains on {@code train}; evaluates on {@code test} when it is not null. */
    public TrainingResult fit(Dataset<Row> train, Dataset<Row> test) {
        return fit(reader -> reader.fromDataFrame(train, "training data"),
                test == null ? null : reader -> reader.fromDataFrame(test, "test data"));
    }

    private TrainingResult fit(java.util.function.Function<DatasetReader, CachedExamples> loadTrain,
                               java.util.function.Function<DatasetReader, CachedExamples> loadTest) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        RunOutput.requireUsable(config.output(), hadoop);
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), hadoop);
        Replica driverModel = spec.build();
        ModelFactory.requireFits(driverModel, config.model(), spec.name());
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples train = loadTrain.apply(reader);
        Optional<CachedExamples> test = Optional.empty();
        try {
            test = Optional.ofNullable(loadTest).map(f -> f.apply(reader));
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            TrainingLoop loop = new TrainingLoop(jsc, config, spec);
            BatchPlan plan = loop.plan(train);
            Optimizer optimizer = config.optimizer().create(plan.totalSteps(), plan.globalBatch()).create();
            LOG.info("training {} ({} parameters in {} tensors) with {} on {} examples in {} partitions: global batch {}, "
                            + "micro-batch {}, {} steps ({} per epoch), peak learning rate {}",
                    spec.name(), driverModel.parameterCount(), driverModel.layout().size(), config.optimizer().name(), train.count(),
                    train.partitions(), plan.globalBatch(), config.training().microBatch(), plan.totalSteps(), plan.stepsPerEpoch(),
                    String.format("%.4g", config.optimizer().peakLearningRate(plan.globalBatch())));
            GlobalUpdate update = new GlobalUpdate(driverModel.layout(), driverModel.parameters(), optimizer);
            long start = System.nanoTime();
            List<StepMetrics> history;
            try (RunOutput output = RunOutput.create(config.output(), hadoop)) {
                history = loop.run(train, test, update, output::writeStep);
                driverModel.setParameters(update.parameters(), -1);
                output.writeAtomically(RunOutput.MODEL, o -> ModelSerializer.writeModel(driverModel.network(), o, false));
                output.writeSummary(summary(output.uri(), train, plan, history, (System.nanoTime() - start) / 1e9));
            }
            StepMetrics last = history.isEmpty() ? null : history.get(history.size() - 1);
            Optional<Evaluation> finalEval = last == null || last.testAccuracy() == null ? Optional.empty()
                    : Optional.of(new Evaluation(test.get().count(), Math.round(last.testAccuracy() * test.get().count()),
                    last.testLoss() * test.get().count()));
            finalEval.ifPresent(e -> LOG.info("final test accuracy {} ({} examples), test loss {}",
                    String.format("%.2f%%", 100 * e.accuracy()), e.examples(), String.format("%.4f", e.meanLoss())));
            return new TrainingResult(driverModel.network(), update.parameters(), update.state(), history, finalEval);
        } finally {
            train.release();
            test.ifPresent(CachedExamples::release);
        }
    }

    private Map<String, Object> summary(String output, CachedExamples train, BatchPlan plan, List<StepMetrics> history, double seconds) {
        Map<String, Object> s = new LinkedHashMap<>();
        StepMetrics last = history.isEmpty() ? null : history.get(history.size() - 1);
        s.put("status", "succeeded");
        s.put("output", output);
        s.put("model", RunOutput.MODEL);
        s.put("metrics", RunOutput.METRICS);
        s.put("optimizer", config.optimizer().name());
        s.put("trainingExamples", train.count());
        s.put("partitions", train.partitions());
        s.put("globalBatch", plan.globalBatch());
        s.put("steps", plan.totalSteps());
        s.put("seconds", seconds);
        if (last != null) {
            s.put("finalLoss", last.loss());
            s.put("testAccuracy", last.testAccuracy());
            s.put("testLoss", last.testLoss());
        }
        return s;
    }
}
