package dev.sparklamb.spark.dl4j;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.MinibatchExamples;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.Collection;
import java.util.List;
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
 * <p>Data: {@code DataSet}s (and, for graphs, {@code MultiDataSet}s with one features and one labels array), either with
 * rank-2 features {@code [examples, features]} and one-hot rank-2 labels, without masks, or sequences: features
 * {@code [examples, size, L]} (token ids as floats with size 1 for an {@code EmbeddingSequenceLayer}, or real-valued
 * per-step features), one-hot labels {@code [examples, classes, L]} and optional features and labels masks
 * {@code [examples, L]} of zeros and ones, set on every micro-batch as DL4J's layer and label masks. A step's loss and
 * gradient are the sums over the steps whose labels mask is 1 (all steps without one, as in DL4J) divided by their
 * number in the whole global batch, so the result does not depend on the partitioning (DL4J's own {@code fit} divides by
 * the number of sequences). Other ranks, mask shapes or values, and several arrays per minibatch are refused naming the
 * partition, minibatch and array (see {@code docs/masked-lm.md}). Example ids follow the RDD's order
 * (partition, then minibatch, then row; see {@link dev.sparklamb.spark.data.MinibatchExamples}); the same RDD, options
 * and seed give bitwise-identical parameters. Everything that DL4J's other training masters do per worker and
 * minibatch (hooks, listeners, training stats, paths-based training) throws {@link UnsupportedOperationException}
 * saying what to use instead.
 */
public final class LambTrainingMaster implements TrainingMaster<TrainingResult, TrainingWorker<TrainingResult>> {

    /** One pass over the RDD per {@code fit}, as with DL4J's own training masters. */
    public static final int DEFAULT_EPOCHS = 1;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LambTrainingMaster.class);

    private final RunConfig config;
    private volatile List<StepMetrics> history = List.of();
    private final java.util.concurrent.atomic.AtomicInteger fits = new java.util.concurrent.atomic.AtomicInteger();

    /** A master that trains with {@code config}'s seed, partitions, training and optimizer sections. */
    LambTrainingMaster(RunConfig config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /** The options, each validated by the settings records when {@link Builder#build()} is called. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link LambTrainingMaster}; every option is described in {@link LambTrainingMasterBuilder}. */
    public static final class Builder extends LambTrainingMasterBuilder<Builder> {

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }
    }

    /** The training master {@link #toJson()} describes. */
    public static LambTrainingMaster fromJson(String json) {
        return new LambTrainingMaster(TrainingMasterJson.fromJson(json));
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
        return TrainingMasterJson.toJson(config);
    }

    /** The same content as {@link #toJson()}, as YAML. */
    @Override
    public String toYaml() {
        return TrainingMasterJson.toYaml(config);
    }

    @Override
    public String toString() {
        return "LambTrainingMaster" + toJson().replaceAll("\\s+", "");
    }
}
