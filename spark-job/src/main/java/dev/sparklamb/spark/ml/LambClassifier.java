package dev.sparklamb.spark.ml;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A Spark ML {@code Estimator} that trains a DL4J classifier with spark-lamb's synchronous data-parallel trainer
 * ({@link SparkTrainer}: the same code path, so the same data and settings give bitwise the same parameters) and returns a
 * {@link LambClassificationModel}. Usable from Java, Scala, and PySpark through {@code spark._jvm}.
 *
 * <p>Columns follow Spark's conventions: {@code featuresCol} (a Spark ML vector or {@code array<float|double>} with
 * height x width x channels values), {@code labelCol} (class indices 0..numClasses-1), and the model's
 * {@code rawPredictionCol}, {@code probabilityCol}, {@code predictionCol}.
 *
 * <p>Typed Params, each defaulting to {@code conf/spark-lamb-defaults.conf}: {@code seed}, {@code partitions}
 * (data.partitions), {@code globalBatch}, {@code microBatch}, {@code epochs}, {@code maxSteps}, {@code allReduce}
 * (training.*), {@code optimizer} (optimizer.name), {@code learningRate}, {@code baseBatch}, {@code lrScaling},
 * {@code warmupFraction} (optimizer.learning-rate.base, base-batch, scaling, warmup-fraction), {@code weightDecay}
 * (unset: the optimizer's own default), {@code excludeFromWeightDecay}, {@code modelPreset}, {@code modelConfigFile},
 * {@code inputHeight}, {@code inputWidth}, {@code inputChannels}, {@code numClasses} (model.*). Every other key
 * (e.g. {@code optimizer.beta2}, {@code checkpoint.every-steps}, {@code device.type}) goes through
 * {@code configOverrides}: {@code key=value} strings in the command line's {@code --set} syntax, with or without the
 * {@code spark-lamb.} prefix; a typed key there is an error. The Params are rendered as such overrides and validated by
 * {@code ConfigLoader}, so errors name the configuration key (and the Param).
 *
 * <p>{@code outputDir} is the run's output directory (metrics.jsonl, model.zip, summary.json, checkpoints; any Hadoop
 * URI; it must not exist yet or be empty). Unset (""), each fit writes to a fresh temporary directory under the first
 * entry of {@code spark.local.dir} (else {@code java.io.tmpdir}) on the driver, which is kept; on a cluster whose
 * checkpoints must be shared, set it. {@code data.train}/{@code data.test} are not used: {@code fit} takes a DataFrame.
 */
public final class LambClassifier extends ProbabilisticClassifier<Vector, LambClassifier, LambClassificationModel>
        implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> outputDir;
    private final LongParam seed;
    private final IntParam partitions;
    private final IntParam globalBatch;
    private final IntParam microBatch;
    private final IntParam epochs;
    private final LongParam maxSteps;
    private final Param<String> allReduce;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final LongParam baseBatch;
    private final Param<String> lrScaling;
    private final DoubleParam warmupFraction;
    private final DoubleParam weightDecay;
    private final StringArrayParam excludeFromWeightDecay;
    private final Param<String> modelPreset;
    private final Param<String> modelConfigFile;
    private final IntParam inputHeight;
    private final IntParam inputWidth;
    private final IntParam inputChannels;
    private final IntParam numClasses;
    private final StringArrayParam configOverrides;

    public LambClassifier() {
        this(Identifiable.randomUID("lambClassifier"));
    }

    public LambClassifier(String uid) {
        this(PendingUid.stash(uid));
    }

    private LambClassifier(Void stashed) {
        this.uid = PendingUid.take();
        outputDir = new Param<>(this, "outputDir", ConfigParams.doc("outputDir", "the run's output directory, any Hadoop URI, new or empty;"
                + " \"\": a fresh temporary directory under spark.local.dir (else java.io.tmpdir) per fit"));
        seed = new LongParam(this, "seed", ConfigParams.doc("seed", "seeds initialisation, partition assignment and shuffles"));
        partitions = new IntParam(this, "partitions", ConfigParams.doc("partitions", "model replicas in parallel; 0: Spark's default parallelism"));
        globalBatch = new IntParam(this, "globalBatch", ConfigParams.doc("globalBatch", "examples per global step over all partitions"));
        microBatch = new IntParam(this, "microBatch", ConfigParams.doc("microBatch",
                "most examples a replica puts through the network at once, in training and in the model's transform"));
        epochs = new IntParam(this, "epochs", ConfigParams.doc("epochs", "whole epochs to train"));
        maxSteps = new LongParam(this, "maxSteps", ConfigParams.doc("maxSteps", "stop after this many steps; 0: no limit"));
        allReduce = new Param<>(this, "allReduce", ConfigParams.doc("allReduce", "\"tree\" or \"sharded\""));
        optimizer = new Param<>(this, "optimizer", ConfigParams.doc("optimizer", "\"lamb\", \"lars\", \"adamw\" or \"adam\""));
        learningRate = new DoubleParam(this, "learningRate", ConfigParams.doc("learningRate", "peak learning rate at baseBatch examples per step"));
        baseBatch = new LongParam(this, "baseBatch", ConfigParams.doc("baseBatch", "the batch size learningRate is given for"));
        lrScaling = new Param<>(this, "lrScaling", ConfigParams.doc("lrScaling", "\"sqrt\", \"linear\" or \"none\": peak rate for globalBatch"));
        warmupFraction = new DoubleParam(this, "warmupFraction", ConfigParams.doc("warmupFraction", "linear warmup over this fraction of the steps"));
        weightDecay = new DoubleParam(this, "weightDecay", ConfigParams.doc("weightDecay",
                "weight decay; unset: the optimizer's default (LAMB 0, LARS 0, AdamW 0.01, Adam 0)"));
        excludeFromWeightDecay = new StringArrayParam(this, "excludeFromWeightDecay", ConfigParams.doc("excludeFromWeightDecay",
                "regexes searched in tensor names (\"0_W\", \"0_b\", ...): matching tensors get no weight decay"));
        modelPreset = new Param<>(this, "modelPreset", ConfigParams.doc("modelPreset", "\"mlp\", \"lenet\" or \"resnet-mini\""));
        modelConfigFile = new Param<>(this, "modelConfigFile", ConfigParams.doc("modelConfigFile",
                "a DL4J configuration JSON replacing the preset; \"\": none"));
        inputHeight = new IntParam(this, "inputHeight", ConfigParams.doc("inputHeight", "input height (features are flattened)"));
        inputWidth = new IntParam(this, "inputWidth", ConfigParams.doc("inputWidth", "input width"));
        inputChannels = new IntParam(this, "inputChannels", ConfigParams.doc("inputChannels", "input channels"));
        numClasses = new IntParam(this, "numClasses", ConfigParams.doc("numClasses", "number of classes; labels are 0..numClasses-1"));
        configOverrides = new StringArrayParam(this, "configOverrides", "every other configuration key as key=value (HOCON, as --set),"
                + " with or without the spark-lamb. prefix; typed Params' keys are refused here");
        setDefault(outputDir, "");
        setDefault(seed, ConfigParams.defaultLong("seed"));
        setDefault(partitions, ConfigParams.defaultInt("data.partitions"));
        setDefault(globalBatch, ConfigParams.defaultInt("training.global-batch"));
        setDefault(microBatch, ConfigParams.defaultInt("training.micro-batch"));
        setDefault(epochs, ConfigParams.defaultInt("training.epochs"));
        setDefault(maxSteps, ConfigParams.defaultLong("training.max-steps"));
        setDefault(allReduce, ConfigParams.defaultString("training.all-reduce"));
        setDefault(optimizer, ConfigParams.defaultString("optimizer.name"));
        setDefault(learningRate, ConfigParams.defaultDouble("optimizer.learning-rate.base"));
        setDefault(baseBatch, ConfigParams.defaultLong("optimizer.learning-rate.base-batch"));
        setDefault(lrScaling, ConfigParams.defaultString("optimizer.learning-rate.scaling"));
        setDefault(warmupFraction, ConfigParams.defaultDouble("optimizer.learning-rate.warmup-fraction"));
        setDefault(excludeFromWeightDecay, ConfigParams.defaultStrings("optimizer.exclude-from-weight-decay"));
        setDefault(modelPreset, ConfigParams.defaultString("model.preset"));
        setDefault(modelConfigFile, ConfigParams.defaultString("model.config-file"));
        setDefault(inputHeight, ConfigParams.defaultInt("model.input-height"));
        setDefault(inputWidth, ConfigParams.defaultInt("model.input-width"));
        setDefault(inputChannels, ConfigParams.defaultInt("model.input-channels"));
        setDefault(numClasses, ConfigParams.defaultInt("model.classes"));
        setDefault(configOverrides, new String[0]);
        setDefault(featuresCol(), ConfigParams.defaultString("data.features-column"));
        setDefault(labelCol(), ConfigParams.defaultString("data.label-column"));
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.peek();
    }

    /**
     * The validated configuration a fit trains with, for output directory {@code output}: the typed Params and
     * {@code configOverrides} over {@code conf/spark-lamb-defaults.conf}.
     */
    public RunConfig runConfig(String output) {
        return ConfigParams.load("LambClassifier " + uid, ConfigParams.overrides(this, output, getConfigOverrides()));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getFeaturesCol());
        Columns.requireLabel(schema, getLabelCol(), getNumClasses());
        return Columns.withOutputs(schema, getRawPredictionCol(), getProbabilityCol(), getPredictionCol(), getNumClasses());
    }

    @Override
    public LambClassificationModel train(Dataset<?> dataset) {
        SparkSession spark = dataset.sparkSession();
        String out = getOutputDir().isEmpty() ? freshDirectory(spark) : getOutputDir();
        RunConfig config = runConfig(out);
        TrainedModel trained = new SparkTrainer(spark, config).fit(dataset.toDF(), null);
        String name = config.model().configFile().isEmpty() ? config.model().preset().toString() : config.model().configFile();
        ModelSpec spec = trained.model() instanceof ComputationGraph g ? ModelSpec.of(g.getConfiguration(), name)
                : ModelSpec.of(((MultiLayerNetwork) trained.model()).getLayerWiseConfigurations(), name);
        return new LambClassificationModel(uid, spec.withDevice(config.device()), trained.parameters(), config.model().inputSize(),
                config.model().classes());
    }

    /** A new temporary directory under the first {@code spark.local.dir} entry, else {@code java.io.tmpdir}, as a file: URI. */
    static String freshDirectory(SparkSession spark) {
        String base = spark.sparkContext().getConf().get("spark.local.dir", System.getProperty("java.io.tmpdir")).split(",")[0].trim();
        try {
            Path parent = Path.of(base);
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, "lamb-classifier-").toUri().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("LambClassifier: cannot create a temporary output directory under '" + base
                    + "' (spark.local.dir or java.io.tmpdir); set outputDir", e);
        }
    }

    @Override
    public LambClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<LambClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static LambClassifier load(String path) {
        return read().load(path);
    }

    // Params (Spark finds them through these public methods), getters and setters.

    public Param<String> outputDir() { return outputDir; }
    public LongParam seed() { return seed; }
    public IntParam partitions() { return partitions; }
    public IntParam globalBatch() { return globalBatch; }
    public IntParam microBatch() { return microBatch; }
    public IntParam epochs() { return epochs; }
    public LongParam maxSteps() { return maxSteps; }
    public Param<String> allReduce() { return allReduce; }
    public Param<String> optimizer() { return optimizer; }
    public DoubleParam learningRate() { return learningRate; }
    public LongParam baseBatch() { return baseBatch; }
    public Param<String> lrScaling() { return lrScaling; }
    public DoubleParam warmupFraction() { return warmupFraction; }
    public DoubleParam weightDecay() { return weightDecay; }
    public StringArrayParam excludeFromWeightDecay() { return excludeFromWeightDecay; }
    public Param<String> modelPreset() { return modelPreset; }
    public Param<String> modelConfigFile() { return modelConfigFile; }
    public IntParam inputHeight() { return inputHeight; }
    public IntParam inputWidth() { return inputWidth; }
    public IntParam inputChannels() { return inputChannels; }
    public IntParam numClasses() { return numClasses; }
    public StringArrayParam configOverrides() { return configOverrides; }

    public String getOutputDir() { return getOrDefault(outputDir); }
    public long getSeed() { return (Long) getOrDefault(seed); }
    public int getPartitions() { return (Integer) getOrDefault(partitions); }
    public int getGlobalBatch() { return (Integer) getOrDefault(globalBatch); }
    public int getMicroBatch() { return (Integer) getOrDefault(microBatch); }
    public int getEpochs() { return (Integer) getOrDefault(epochs); }
    public long getMaxSteps() { return (Long) getOrDefault(maxSteps); }
    public String getAllReduce() { return getOrDefault(allReduce); }
    public String getOptimizer() { return getOrDefault(optimizer); }
    public double getLearningRate() { return (Double) getOrDefault(learningRate); }
    public long getBaseBatch() { return (Long) getOrDefault(baseBatch); }
    public String getLrScaling() { return getOrDefault(lrScaling); }
    public double getWarmupFraction() { return (Double) getOrDefault(warmupFraction); }
    /** The weight decay, or NaN when unset (the optimizer's own default). */
    public double getWeightDecay() { return isDefined(weightDecay) ? (Double) getOrDefault(weightDecay) : Double.NaN; }
    public String[] getExcludeFromWeightDecay() { return getOrDefault(excludeFromWeightDecay); }
    public String getModelPreset() { return getOrDefault(modelPreset); }
    public String getModelConfigFile() { return getOrDefault(modelConfigFile); }
    public int getInputHeight() { return (Integer) getOrDefault(inputHeight); }
    public int getInputWidth() { return (Integer) getOrDefault(inputWidth); }
    public int getInputChannels() { return (Integer) getOrDefault(inputChannels); }
    public int getNumClasses() { return (Integer) getOrDefault(numClasses); }
    public String[] getConfigOverrides() { return getOrDefault(configOverrides); }

    public LambClassifier setOutputDir(String v) { set(outputDir, v); return this; }
    public LambClassifier setSeed(long v) { set(seed, v); return this; }
    public LambClassifier setPartitions(int v) { set(partitions, v); return this; }
    public LambClassifier setGlobalBatch(int v) { set(globalBatch, v); return this; }
    public LambClassifier setMicroBatch(int v) { set(microBatch, v); return this; }
    public LambClassifier setEpochs(int v) { set(epochs, v); return this; }
    public LambClassifier setMaxSteps(long v) { set(maxSteps, v); return this; }
    public LambClassifier setAllReduce(String v) { set(allReduce, v); return this; }
    public LambClassifier setOptimizer(String v) { set(optimizer, v); return this; }
    public LambClassifier setLearningRate(double v) { set(learningRate, v); return this; }
    public LambClassifier setBaseBatch(long v) { set(baseBatch, v); return this; }
    public LambClassifier setLrScaling(String v) { set(lrScaling, v); return this; }
    public LambClassifier setWarmupFraction(double v) { set(warmupFraction, v); return this; }
    public LambClassifier setWeightDecay(double v) { set(weightDecay, v); return this; }
    public LambClassifier setExcludeFromWeightDecay(String[] v) { set(excludeFromWeightDecay, v); return this; }
    public LambClassifier setModelPreset(String v) { set(modelPreset, v); return this; }
    public LambClassifier setModelConfigFile(String v) { set(modelConfigFile, v); return this; }
    public LambClassifier setInputHeight(int v) { set(inputHeight, v); return this; }
    public LambClassifier setInputWidth(int v) { set(inputWidth, v); return this; }
    public LambClassifier setInputChannels(int v) { set(inputChannels, v); return this; }
    public LambClassifier setNumClasses(int v) { set(numClasses, v); return this; }
    public LambClassifier setConfigOverrides(String[] v) { set(configOverrides, v); return this; }
}
