package dev.sparklamb.spark.config;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.io.Serializable;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The optimizer section of a run's configuration ({@code spark-lamb.optimizer}), validated, as one record per
 * optimizer that holds exactly the settings that optimizer uses. {@link OptimizerValues#settings()} makes one from
 * every key's value and refuses a key the chosen optimizer would ignore; {@link #create(long, long)} turns it into an
 * optimizer-core configuration once the run's length and batch size are known.
 *
 * <p>{@code toString()} of every implementation is {@link OptimizerValues#toString()} (every key), which checkpoints'
 * {@code RunFingerprint} hashes: it is the text the untyped settings of earlier versions gave, so their checkpoints
 * still resume.
 */
public sealed interface OptimizerSettings extends Serializable permits LambSettings, LarsSettings, AdamWSettings, AdamSettings {

    /** Which optimizer. */
    OptimizerKind kind();

    /** The optimizer's name as configured and stored in checkpoints: {@code lamb}, {@code lars}, {@code adamw}, {@code adam}. */
    default String name() {
        return kind().key();
    }

    /** {@code spark-lamb.optimizer.learning-rate}. */
    LearningRateSettings learningRate();

    /** {@code weight-decay}, {@code exclude-from-weight-decay}, {@code exclude-batch-norm}. */
    WeightDecaySettings weightDecay();

    /** {@code max-gradient-norm}: clip the global gradient norm to this before the step; 0: off. */
    double maxGradientNorm();

    /** The optimizer-core configuration for a run of {@code totalSteps} steps of {@code globalBatch} examples. */
    OptimizerConfig create(long totalSteps, long globalBatch);

    /**
     * These settings with {@code tensors} (exact names) also excluded from weight decay and, for LAMB and LARS, layer
     * adaptation, when {@code exclude-batch-norm} is set: batch normalization's gamma and beta.
     */
    OptimizerSettings excludingBatchNorm(List<String> tensors);

    /** Every optimizer key's value: these settings, and the defaults file's value for a key this optimizer does not use. */
    OptimizerValues values();

    /** {@code learning-rate.base}. */
    default double baseLearningRate() {
        return learningRate().base();
    }

    /** {@code learning-rate.base-batch}. */
    default long baseBatch() {
        return learningRate().baseBatch();
    }

    /** {@code learning-rate.scaling}. */
    default LearningRateScaling scaling() {
        return learningRate().scaling();
    }

    /** The peak learning rate for this global batch. */
    default double peakLearningRate(long globalBatch) {
        return learningRate().peak(globalBatch);
    }

    /** Warmup then polynomial decay over {@code totalSteps}, peak scaled for {@code globalBatch}. */
    default LearningRateSchedule schedule(long totalSteps, long globalBatch) {
        return learningRate().schedule(totalSteps, globalBatch);
    }

    /** {@code exclude-from-weight-decay}. */
    default List<String> excludeFromWeightDecay() {
        return weightDecay().exclude();
    }

    /** {@link #maxGradientNorm()} as optimizer-core takes it: empty when 0. */
    default OptionalDouble gradientClip() {
        return maxGradientNorm() > 0 ? OptionalDouble.of(maxGradientNorm()) : OptionalDouble.empty();
    }
}
