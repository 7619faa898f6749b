package dev.sparklamb.spark.dl4j;

import dev.sparklamb.spark.config.AllReduceMode;
import dev.sparklamb.spark.config.ConfigChoice;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataSettings;
import dev.sparklamb.spark.config.LearningRateScaling;
import dev.sparklamb.spark.config.OptimizerKind;
import dev.sparklamb.spark.config.OptimizerValues;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.TrainingSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Options of a {@link LambTrainingMaster}: what {@link LambTrainingMaster.Builder} ({@link LambTrainingMaster#builder()})
 * sets. Each option is a key of
 * {@code conf/spark-lamb-defaults.conf}, where its default and meaning are documented; the exceptions are
 * {@link #epochs} (default {@value LambTrainingMaster#DEFAULT_EPOCHS}, one pass per fit) and {@link #microBatch}
 * (default: the configuration's, capped at the global batch).
 *
 * <p>{@link #build()} makes the same typed settings records as a configuration file, with the same checks and
 * messages (naming the key): a value out of range, or an option the chosen optimizer does not use (set to something
 * other than its default, such as {@code momentum} with LAMB or {@code trustRatioClamp} with AdamW), is refused with a
 * {@link ConfigurationException}. A choice that is not one of its values is refused when it is set.
 */
public abstract class LambTrainingMasterBuilder<B extends LambTrainingMasterBuilder<B>> {

    private final RunConfig defaults = ConfigLoader.fromConfig(com.typesafe.config.ConfigFactory.empty());
    private final OptimizerValues o = defaults.optimizer().values();
    private final TrainingSettings t = defaults.training();

    private long seed = defaults.seed();
    private int partitions = defaults.data().partitions();
    private DataCache dataCache = defaults.data().cache();
    private int globalBatch = t.globalBatch();
    private Integer microBatch;
    private int epochs = LambTrainingMaster.DEFAULT_EPOCHS;
    private long maxSteps = t.maxSteps();
    private int allReduceFanIn = t.allReduceFanIn();
    private AllReduceMode allReduce = t.allReduce();
    private int shards = t.shards();
    private OptimizerKind optimizer = o.name();
    private double learningRate = o.baseLearningRate();
    private long learningRateBaseBatch = o.baseBatch();
    private LearningRateScaling scaling = o.scaling();
    private double warmupFraction = o.warmupFraction();
    private OptionalDouble weightDecay = o.weightDecay();
    private List<String> excludeFromWeightDecay = o.excludeFromWeightDecay();
    private Optional<List<String>> excludeFromLayerAdaptation = o.excludeFromLayerAdaptation();
    private boolean excludeBatchNorm = o.excludeBatchNorm();
    private double maxGradientNorm = o.maxGradientNorm();
    private double trustRatioMin = o.trustRatioMin();
    private double trustRatioMax = o.trustRatioMax();
    private double beta1 = o.beta1();
    private double beta2 = o.beta2();
    private OptionalDouble epsilon = o.epsilon();
    private boolean biasCorrection = o.biasCorrection();
    private double momentum = o.momentum();
    private double trustCoefficient = o.trustCoefficient();

    LambTrainingMasterBuilder() {
    }

    /** This builder, as its own type ({@link LambTrainingMaster.Builder}). */
    abstract B self();

    /** Examples per global step over all partitions ({@code training.global-batch}). */
    public B globalBatch(int examples) {
        this.globalBatch = examples;
        return self();
    }

    /** Largest forward/backward pass per replica; shares are accumulated ({@code training.micro-batch}). */
    public B microBatch(int examples) {
        this.microBatch = examples;
        return self();
    }

    /** Passes over the RDD per fit ({@code training.epochs}). */
    public B epochs(int epochs) {
        this.epochs = epochs;
        return self();
    }

    /** Stop after this many steps when fewer than the epochs give; 0: no limit ({@code training.max-steps}). */
    public B maxSteps(long steps) {
        this.maxSteps = steps;
        return self();
    }

    /** Seeds the example-to-partition assignment and every epoch's order ({@code seed}); the network's init is its own. */
    public B seed(long seed) {
        this.seed = seed;
        return self();
    }

    /** Model replicas working in parallel; 0: Spark's default parallelism ({@code data.partitions}). */
    public B partitions(int partitions) {
        this.partitions = partitions;
        return self();
    }

    /**
     * Where each partition's examples are cached on its executor ({@code data.cache}): {@code "memory"} (default) or
     * {@code "disk"} (a file per partition in Spark's local directories, read through a memory mapping, for data larger
     * than the executors' memory; bitwise the same training). Classification {@code DataSet}s only: sequence data with
     * masks is refused with {@code "disk"}.
     */
    public B dataCache(String cache) {
        return dataCache(choice("dataCache", DataCache.class, cache));
    }

    /** How the executors cache the examples ({@code data.cache}). */
    public B dataCache(DataCache cache) {
        this.dataCache = java.util.Objects.requireNonNull(cache, "dataCache");
        return self();
    }

    /** {@code lamb} (default), {@code lars}, {@code adamw} or {@code adam} ({@code optimizer.name}). */
    public B optimizer(String name) {
        return optimizer(choice("optimizer", OptimizerKind.class, name));
    }

    /** The optimizer ({@code optimizer.name}). */
    public B optimizer(OptimizerKind kind) {
        this.optimizer = kind;
        return self();
    }

    /** Peak learning rate at {@link #learningRateBaseBatch} examples per step ({@code optimizer.learning-rate.base}). */
    public B learningRate(double base) {
        this.learningRate = base;
        return self();
    }

    /** The batch size {@link #learningRate} is given for ({@code optimizer.learning-rate.base-batch}). */
    public B learningRateBaseBatch(long examples) {
        this.learningRateBaseBatch = examples;
        return self();
    }

    /** {@code sqrt} (the LAMB paper's), {@code linear} or {@code none} ({@code optimizer.learning-rate.scaling}). */
    public B learningRateScaling(String scaling) {
        return learningRateScaling(choice("learningRateScaling", LearningRateScaling.class, scaling));
    }

    /** How the peak learning rate follows the global batch ({@code optimizer.learning-rate.scaling}). */
    public B learningRateScaling(LearningRateScaling scaling) {
        this.scaling = scaling;
        return self();
    }

    /** Linear warmup over this fraction of the steps ({@code optimizer.learning-rate.warmup-fraction}). */
    public B warmupFraction(double fraction) {
        this.warmupFraction = fraction;
        return self();
    }

    /** Weight decay ({@code optimizer.weight-decay}); not set: the optimizer's own default. */
    public B weightDecay(double decay) {
        this.weightDecay = OptionalDouble.of(decay);
        return self();
    }

    /** Regexes searched in parameter names such as {@code 0_b} ({@code optimizer.exclude-from-weight-decay}). */
    public B excludeFromWeightDecay(String... regexes) {
        this.excludeFromWeightDecay = list("excludeFromWeightDecay", regexes);
        return self();
    }

    /** Regexes for tensors that use trust ratio 1; LAMB and LARS ({@code optimizer.exclude-from-layer-adaptation}). */
    public B excludeFromLayerAdaptation(String... regexes) {
        this.excludeFromLayerAdaptation = Optional.of(list("excludeFromLayerAdaptation", regexes));
        return self();
    }

    /** Also exclude batch normalization's gamma and beta ({@code optimizer.exclude-batch-norm}). */
    public B excludeBatchNorm(boolean exclude) {
        this.excludeBatchNorm = exclude;
        return self();
    }

    /** First-moment decay; LAMB, AdamW, Adam ({@code optimizer.beta1}). */
    public B beta1(double beta) {
        this.beta1 = beta;
        return self();
    }

    /** Second-moment decay; LAMB, AdamW, Adam ({@code optimizer.beta2}). */
    public B beta2(double beta) {
        this.beta2 = beta;
        return self();
    }

    /** Added to the square root of the second moment; LAMB, AdamW, Adam ({@code optimizer.epsilon}). */
    public B epsilon(double epsilon) {
        this.epsilon = OptionalDouble.of(epsilon);
        return self();
    }

    /** Divide the moments by {@code 1 - beta^t}; LAMB only ({@code optimizer.bias-correction}). */
    public B biasCorrection(boolean correct) {
        this.biasCorrection = correct;
        return self();
    }

    /** Momentum; LARS only ({@code optimizer.momentum}). */
    public B momentum(double momentum) {
        this.momentum = momentum;
        return self();
    }

    /** Trust coefficient (eta); LARS only ({@code optimizer.trust-coefficient}). */
    public B trustCoefficient(double eta) {
        this.trustCoefficient = eta;
        return self();
    }

    /** Clip the global gradient norm to this before each step; 0: off ({@code optimizer.max-gradient-norm}). */
    public B maxGradientNorm(double norm) {
        this.maxGradientNorm = norm;
        return self();
    }

    /** Bounds for the trust ratio; LAMB and LARS ({@code optimizer.trust-ratio-min}, {@code -max}). */
    public B trustRatioClamp(double min, double max) {
        this.trustRatioMin = min;
        this.trustRatioMax = max;
        return self();
    }

    /** Partitions summed per node of the gradient all-reduce tree ({@code training.all-reduce-fan-in}). */
    public B allReduceFanIn(int fanIn) {
        this.allReduceFanIn = fanIn;
        return self();
    }

    /** {@code "tree"} or {@code "sharded"} ({@code training.all-reduce}; the result is the same, bitwise). */
    public B allReduce(String mode) {
        return allReduce(choice("allReduce", AllReduceMode.class, mode));
    }

    /** How gradients are summed and the optimizer applied ({@code training.all-reduce}). */
    public B allReduce(AllReduceMode mode) {
        this.allReduce = mode;
        return self();
    }

    /** Number of optimizer shards with {@code allReduce("sharded")} ({@code training.shards}; 0: one per partition). */
    public B shards(int shards) {
        this.shards = shards;
        return self();
    }

    /**
     * The training master, its settings validated by the records a configuration file makes.
     *
     * @throws ConfigurationException prefixed {@code LambTrainingMaster:}, naming the key and what was expected
     */
    public LambTrainingMaster build() {
        try {
            int micro = microBatch != null ? microBatch : Math.min(t.microBatch(), globalBatch);
            TrainingSettings training = new TrainingSettings(globalBatch, micro, epochs, maxSteps, t.evalEverySteps(),
                    t.progressEverySeconds(), allReduceFanIn, t.maxConsecutiveBadSteps(), allReduce, shards, t.batchNormGroup());
            DataSettings d = defaults.data();
            DataSettings data = new DataSettings(d.train(), d.test(), d.format(), d.featuresColumn(), d.labelColumn(), partitions,
                    d.tokens(), dataCache);
            OptimizerValues values = new OptimizerValues(optimizer, learningRate, learningRateBaseBatch, scaling, warmupFraction,
                    o.decayPower(), o.endLearningRate(), weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation, maxGradientNorm,
                    trustRatioMin, trustRatioMax, beta1, beta2, epsilon, biasCorrection, momentum, trustCoefficient, excludeBatchNorm);
            return new LambTrainingMaster(new RunConfig(defaults.output(), seed, defaults.model(), data, training, values.settings(),
                    defaults.spark(), defaults.checkpoint(), defaults.device(), defaults.lease()));
        } catch (ConfigurationException e) {
            throw new ConfigurationException("LambTrainingMaster: " + e.getMessage(), e);
        }
    }

    private static <E extends Enum<E> & ConfigChoice> E choice(String option, Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.key().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("LambTrainingMaster.Builder." + option + ": expected one of " + ConfigChoice.keys(type)
                + ", got " + value);
    }

    private static List<String> list(String option, String... regexes) {
        if (regexes == null || Arrays.asList(regexes).contains(null)) {
            throw new IllegalArgumentException("LambTrainingMaster.Builder." + option + ": expected regular expressions, got "
                    + (regexes == null ? null : Arrays.asList(regexes)));
        }
        return List.of(regexes);
    }
}
