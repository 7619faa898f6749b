package dev.sparklamb.spark.dl4j;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.OptimizerSettings;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.MinibatchExamples;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleConsumer;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.dataformat.yaml.YAMLFactory;

/**
 * DL4J's {@link TrainingMaster}, backed by spark-lamb's synchronous data-parallel trainer: existing
 * {@code SparkDl4jMultiLayer} / {@code SparkComputationGraph} code gets large-batch LAMB by swapping its training
 * master.
 *
 * <pre>{@code
 * LambTrainingMaster tm = LambTrainingMaster.builder().globalBatch(4096).epochs(5).learningRate(0.002).build();
 * SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, tm);
 * MultiLayerNetwork trained = sparkNet.fit(trainingData);      // JavaRDD<DataSet>
 * tm.history();                                                // per-step loss, learning rate, trust ratios
 * }</pre>
 *
 * <p>Each {@code fit} is one complete run of the configured {@link Builder#epochs epochs} (or
 * {@link Builder#maxSteps steps}): it starts from the network's current parameters, with fresh optimizer state and a
 * warmup/decay schedule over that run's steps, and writes the trained parameters back into the network. Call it once
 * with {@code epochs(n)} rather than n times. DL4J's updater in the network's configuration is not used.
 *
 * <p>Data: {@code DataSet}s (and, for graphs, {@code MultiDataSet}s with one features and one labels array) with rank-2
 * features {@code [examples, features]} and one-hot rank-2 labels, without masks. Example ids follow the RDD's order
 * (partition, then minibatch, then row; see {@link dev.sparklamb.spark.data.MinibatchExamples}); the same RDD, options
 * and seed give bitwise-identical parameters. Everything that DL4J's other training masters do per worker and
 * minibatch (hooks, listeners, training stats, paths-based training) throws {@link UnsupportedOperationException}
 * saying what to use instead.
 */
public final class LambTrainingMaster implements TrainingMaster<TrainingResult, TrainingWorker<TrainingResult>> {

    /** One pass over the RDD per {@code fit}, as with DL4J's own training masters. */
    public static final int DEFAULT_EPOCHS = 1;
    private static final String ROOT = "spark-lamb";
    /** The configuration sections that a training master uses; the others (model, data paths, output) come from DL4J. */
    private static final List<String> SECTIONS = List.of("seed", "data.partitions", "training", "optimizer");

    private final Config options;
    private final RunConfig config;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LambTrainingMaster.class);

    private volatile List<StepMetrics> history = List.of();
    private final java.util.concurrent.atomic.AtomicInteger fits = new java.util.concurrent.atomic.AtomicInteger();

    private LambTrainingMaster(Config options) {
        this.options = options;
        try {
            this.config = ConfigLoader.fromConfig(options);
        } catch (ConfigurationException e) {
            throw new ConfigurationException("LambTrainingMaster: " + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The training master {@link #toJson()} describes. */
    public static LambTrainingMaster fromJson(String json) {
        Config parsed;
        try {
            parsed = ConfigFactory.parseString(json);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("LambTrainingMaster.fromJson: not valid JSON: " + e.getMessage(), e);
        }
        Set<String> allowed = Set.of("seed", "data", "training", "optimizer");
        boolean shaped;
        try {
            shaped = parsed.root().keySet().equals(Set.of(ROOT)) && allowed.containsAll(parsed.getObject(ROOT).keySet())
                    && (!parsed.hasPath(ROOT + ".data") || parsed.getObject(ROOT + ".data").keySet().equals(Set.of("partitions")));
        } catch (ConfigException.WrongType e) {
            shaped = false;
        }
        if (!shaped) {
            throw new IllegalArgumentException("LambTrainingMaster.fromJson: expected one object '" + ROOT + "' holding only "
                    + SECTIONS + " (as toJson() writes), got " + parsed.root().render(ConfigRenderOptions.concise()));
        }
        return new LambTrainingMaster(parsed);
    }

    /** The validated settings this master trains with (seed, partitions, training and optimizer sections). */
    public RunConfig configuration() {
        return config;
    }

    /** Per-step metrics of the most recent {@code fit} (empty before the first). */
    public List<StepMetrics> history() {
        return history;
    }

    @Override
    public void executeTraining(SparkDl4jMultiLayer network, JavaRDD<DataSet> trainingData) {
        train(network.getSparkContext(), DropInNetwork.of(network.getNetwork()), trainingData, Minibatches::of, "JavaRDD<DataSet>",
                network::setScore);
    }

    @Override
    public void executeTraining(SparkComputationGraph graph, JavaRDD<DataSet> trainingData) {
        train(graph.getSparkContext(), DropInNetwork.of(graph.getNetwork()), trainingData, Minibatches::of, "JavaRDD<DataSet>",
                graph::setScore);
    }

    @Override
    public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> trainingData) {
        train(graph.getSparkContext(), DropInNetwork.of(graph.getNetwork()), trainingData, Minibatches::of, "JavaRDD<MultiDataSet>",
                graph::setScore);
    }

    /** Runs one fit, keeps its history and gives the last step's mean loss to the DL4J wrapper as its score. */
    private <T> void train(JavaSparkContext sc, DropInNetwork target, JavaRDD<T> data, MinibatchExamples.Unpacker<T> unpacker,
                           String type, DoubleConsumer score) {
        int fit = fits.incrementAndGet();
        if (fit > 1) {
            // DL4J's examples call fit once per epoch; here that restarts the optimizer: say so rather than train differently in silence
            LOG.warn("LambTrainingMaster: fit #{} on this training master is a new run of {} epoch(s): the network's parameters carry on, "
                    + "but the optimizer moments and the warmup/decay schedule start again. For n passes under one schedule, build the "
                    + "master with epochs(n) and call fit once", fit, config.training().epochs());
        }
        history = List.copyOf(DropInTraining.fit(sc, config, target, data, unpacker, "training data (" + type + ")"));
        score.accept(lastLoss());
    }

    private double lastLoss() {
        return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).loss();
    }

    @Override
    public void executeTrainingPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<String> paths,
                                     DataSetLoader dsLoader, MultiDataSetLoader mdsLoader) {
        throw new UnsupportedOperationException("LambTrainingMaster does not train from paths (fit(String), fitPaths, "
                + "fitMultiDataSet(String)): load the minibatches into a JavaRDD<DataSet> and call fit(JavaRDD<DataSet>), or write the "
                + "examples as Parquet/CSV and train with SparkTrainer or 'bin/spark-lamb train'");
    }

    @Override
    public TrainingWorker<TrainingResult> getWorkerInstance(SparkDl4jMultiLayer network) {
        throw noWorkers();
    }

    @Override
    public TrainingWorker<TrainingResult> getWorkerInstance(SparkComputationGraph graph) {
        throw noWorkers();
    }

    private static UnsupportedOperationException noWorkers() {
        return new UnsupportedOperationException("LambTrainingMaster has no TrainingWorker: executors only compute gradients and the "
                + "driver applies LAMB once per global batch; train through SparkDl4jMultiLayer.fit / SparkComputationGraph.fit");
    }

    @Override
    public void addHook(TrainingHook hook) {
        throw noHooks();
    }

    @Override
    public void removeHook(TrainingHook hook) {
        throw noHooks();
    }

    private static UnsupportedOperationException noHooks() {
        return new UnsupportedOperationException("LambTrainingMaster does not run TrainingHooks: there is no per-worker DL4J update for "
                + "them to wrap; read each global step's metrics from LambTrainingMaster.history() after fit");
    }

    @Override
    public void setListeners(Collection<TrainingListener> listeners) {
        if (listeners != null && !listeners.isEmpty()) {
            throw noListeners(listeners);
        }
    }

    @Override
    public void setListeners(StatsStorageRouter router, Collection<TrainingListener> listeners) {
        if (router != null || listeners != null && !listeners.isEmpty()) {
            throw noListeners(listeners);
        }
    }

    private static UnsupportedOperationException noListeners(Collection<TrainingListener> listeners) {
        return new UnsupportedOperationException("LambTrainingMaster does not call DL4J TrainingListeners (got "
                + (listeners == null ? List.of() : listeners.stream().map(l -> l.getClass().getSimpleName()).toList())
                + "): no DL4J fit iterations run; read each global step's loss, learning rate and trust ratios from "
                + "LambTrainingMaster.history() after fit");
    }

    /** {@code false} is accepted (nothing is collected); {@code true} is refused. */
    @Override
    public void setCollectTrainingStats(boolean collect) {
        if (collect) {
            throw new UnsupportedOperationException("LambTrainingMaster does not collect SparkTrainingStats: per-step timings (distribute, "
                    + "compute, all-reduce, update) are in LambTrainingMaster.history() after fit");
        }
    }

    @Override
    public boolean getIsCollectTrainingStats() {
        return false;
    }

    /** Always null, as DL4J's masters return when stats collection is off (it cannot be switched on here). */
    @Override
    public SparkTrainingStats getTrainingStats() {
        return null;
    }

    /** Nothing to delete: the examples are cached in Spark's storage and released after each fit; no files are written. */
    @Override
    public boolean deleteTempFiles(JavaSparkContext sc) {
        return true;
    }

    @Override
    public boolean deleteTempFiles(SparkContext sc) {
        return true;
    }

    /** Every setting in effect (defaults included), as JSON that {@link #fromJson(String)} reads back. */
    @Override
    public String toJson() {
        Config effective = options.withFallback(ConfigLoader.defaults()).resolve();
        Config shown = ConfigFactory.empty();
        for (String section : SECTIONS) {
            String path = ROOT + "." + section;
            shown = shown.withValue(path, effective.getValue(path));
        }
        return shown.root().render(ConfigRenderOptions.concise().setFormatted(true));
    }

    /** The same content as {@link #toJson()}, as YAML. */
    @Override
    public String toYaml() {
        try {
            return new ObjectMapper(new YAMLFactory()).writeValueAsString(new ObjectMapper().readTree(toJson()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not convert the settings to YAML: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LambTrainingMaster" + toJson().replaceAll("\\s+", "");
    }

    /**
     * Options of a {@link LambTrainingMaster}, validated as they are set (an {@link IllegalArgumentException} names the
     * option and what it accepts). Each option is a key of {@code conf/spark-lamb-defaults.conf}, where its default and
     * meaning are documented; the exceptions are {@link #epochs} (default {@value LambTrainingMaster#DEFAULT_EPOCHS}, one pass per fit) and
     * {@link #microBatch} (default: the configuration's, capped at the global batch).
     */
    public static final class Builder {

        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {
            values.put("training.epochs", DEFAULT_EPOCHS);
        }

        /** Examples per global step over all partitions ({@code training.global-batch}). */
        public Builder globalBatch(int examples) {
            return set("globalBatch", "training.global-batch", examples, examples >= 1, ">= 1");
        }

        /** Largest forward/backward pass per replica; shares are accumulated ({@code training.micro-batch}). */
        public Builder microBatch(int examples) {
            return set("microBatch", "training.micro-batch", examples, examples >= 1, ">= 1");
        }

        /** Passes over the RDD per fit ({@code training.epochs}). */
        public Builder epochs(int epochs) {
            return set("epochs", "training.epochs", epochs, epochs >= 1, ">= 1");
        }

        /** Stop after this many steps when fewer than the epochs give; 0: no limit ({@code training.max-steps}). */
        public Builder maxSteps(long steps) {
            return set("maxSteps", "training.max-steps", steps, steps >= 0, ">= 0");
        }

        /** Seeds the example-to-partition assignment and every epoch's order ({@code seed}); the network's init is its own. */
        public Builder seed(long seed) {
            return set("seed", "seed", seed, true, "any");
        }

        /** Model replicas working in parallel; 0: Spark's default parallelism ({@code data.partitions}). */
        public Builder partitions(int partitions) {
            return set("partitions", "data.partitions", partitions, partitions >= 0, ">= 0");
        }

        /** {@code lamb} (default), {@code lars}, {@code adamw} or {@code adam} ({@code optimizer.name}). */
        public Builder optimizer(String name) {
            return set("optimizer", "optimizer.name", name, OptimizerSettings.NAMES.contains(name), "one of " + OptimizerSettings.NAMES);
        }

        /** Peak learning rate at {@link #learningRateBaseBatch} examples per step ({@code optimizer.learning-rate.base}). */
        public Builder learningRate(double base) {
            return set("learningRate", "optimizer.learning-rate.base", base, base > 0 && Double.isFinite(base), "a finite number > 0");
        }

        /** The batch size {@link #learningRate} is given for ({@code optimizer.learning-rate.base-batch}). */
        public Builder learningRateBaseBatch(long examples) {
            return set("learningRateBaseBatch", "optimizer.learning-rate.base-batch", examples, examples >= 1, ">= 1");
        }

        /** {@code sqrt} (the LAMB paper's), {@code linear} or {@code none} ({@code optimizer.learning-rate.scaling}). */
        public Builder learningRateScaling(String scaling) {
            return set("learningRateScaling", "optimizer.learning-rate.scaling", scaling, List.of("sqrt", "linear", "none").contains(scaling),
                    "one of [sqrt, linear, none]");
        }

        /** Linear warmup over this fraction of the steps ({@code optimizer.learning-rate.warmup-fraction}). */
        public Builder warmupFraction(double fraction) {
            return set("warmupFraction", "optimizer.learning-rate.warmup-fraction", fraction, fraction >= 0 && fraction <= 1, "in [0, 1]");
        }

        /** Decoupled weight decay ({@code optimizer.weight-decay}). */
        public Builder weightDecay(double decay) {
            return set("weightDecay", "optimizer.weight-decay", decay, decay >= 0 && Double.isFinite(decay), "a finite number >= 0");
        }

        /** Regexes searched in parameter names such as {@code 0_b} ({@code optimizer.exclude-from-weight-decay}). */
        public Builder excludeFromWeightDecay(String... regexes) {
            return set("excludeFromWeightDecay", "optimizer.exclude-from-weight-decay", regexes(regexes), validRegexes(regexes),
                    "valid regular expressions");
        }

        /** Regexes for tensors that use trust ratio 1 ({@code optimizer.exclude-from-layer-adaptation}). */
        public Builder excludeFromLayerAdaptation(String... regexes) {
            return set("excludeFromLayerAdaptation", "optimizer.exclude-from-layer-adaptation", regexes(regexes), validRegexes(regexes),
                    "valid regular expressions");
        }

        /** First-moment decay ({@code optimizer.beta1}). */
        public Builder beta1(double beta) {
            return set("beta1", "optimizer.beta1", beta, beta >= 0 && beta < 1, "in [0, 1)");
        }

        /** Second-moment decay ({@code optimizer.beta2}). */
        public Builder beta2(double beta) {
            return set("beta2", "optimizer.beta2", beta, beta >= 0 && beta < 1, "in [0, 1)");
        }

        /** Added to the square root of the second moment ({@code optimizer.epsilon}). */
        public Builder epsilon(double epsilon) {
            return set("epsilon", "optimizer.epsilon", epsilon, epsilon > 0 && Double.isFinite(epsilon), "a finite number > 0");
        }

        /** Clip the global gradient norm to this before each step; 0: off ({@code optimizer.max-gradient-norm}). */
        public Builder maxGradientNorm(double norm) {
            return set("maxGradientNorm", "optimizer.max-gradient-norm", norm, norm >= 0 && Double.isFinite(norm), "a finite number >= 0");
        }

        /** Bounds for the trust ratio ({@code optimizer.trust-ratio-min}, {@code -max}). */
        public Builder trustRatioClamp(double min, double max) {
            if (!(min >= 0 && max >= min && Double.isFinite(max))) {
                throw new IllegalArgumentException("LambTrainingMaster.Builder.trustRatioClamp: expected finite 0 <= min <= max, got min "
                        + min + ", max " + max);
            }
            values.put("optimizer.trust-ratio-min", min);
            values.put("optimizer.trust-ratio-max", max);
            return this;
        }

        /** Partitions summed per node of the gradient all-reduce tree ({@code training.all-reduce-fan-in}). */
        public Builder allReduceFanIn(int fanIn) {
            return set("allReduceFanIn", "training.all-reduce-fan-in", fanIn, fanIn >= 2, ">= 2");
        }

        /** {@code "tree"} or {@code "sharded"} ({@code training.all-reduce}; the result is the same, bitwise). */
        public Builder allReduce(String mode) {
            return set("allReduce", "training.all-reduce", mode, dev.sparklamb.spark.config.TrainingSettings.ALL_REDUCE.contains(mode),
                    "one of " + dev.sparklamb.spark.config.TrainingSettings.ALL_REDUCE);
        }

        /** Number of optimizer shards with {@code allReduce("sharded")} ({@code training.shards}; 0: one per partition). */
        public Builder shards(int shards) {
            return set("shards", "training.shards", shards, shards >= 0, ">= 0");
        }

        public LambTrainingMaster build() {
            Map<String, Object> all = new LinkedHashMap<>(values);
            int globalBatch = (Integer) all.getOrDefault("training.global-batch", ConfigLoader.defaults().getInt(ROOT + ".training.global-batch"));
            int defaultMicro = ConfigLoader.defaults().getInt(ROOT + ".training.micro-batch");
            Object micro = all.putIfAbsent("training.micro-batch", Math.min(defaultMicro, globalBatch));
            if (micro != null && (Integer) micro > globalBatch) {
                throw new IllegalArgumentException("LambTrainingMaster.Builder.microBatch: " + micro + " must not exceed globalBatch ("
                        + globalBatch + ")");
            }
            Map<String, Object> prefixed = new LinkedHashMap<>();
            all.forEach((key, value) -> prefixed.put(ROOT + "." + key, value));
            return new LambTrainingMaster(ConfigFactory.parseMap(prefixed, "LambTrainingMaster.Builder"));
        }

        private Builder set(String option, String key, Object value, boolean valid, String expected) {
            if (!valid) {
                throw new IllegalArgumentException("LambTrainingMaster.Builder." + option + ": expected " + expected + ", got "
                        + (value instanceof List<?> l ? l : value));
            }
            values.put(key, value);
            return this;
        }

        private static List<String> regexes(String... regexes) {
            return regexes == null ? null : java.util.Arrays.asList(regexes);
        }

        private static boolean validRegexes(String... regexes) {
            if (regexes == null) {
                return false;
            }
            for (String r : regexes) {
                try {
                    java.util.regex.Pattern.compile(r);
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        }
    }
}
