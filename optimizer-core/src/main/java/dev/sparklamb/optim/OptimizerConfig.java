package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.Map;

/**
 * Validated, immutable hyperparameters of one optimizer. Every implementation keeps its defaults as public
 * constants, and the documentation is written from those constants.
 */
public sealed interface OptimizerConfig permits LambConfig, LarsConfig, AdamWConfig, AdamConfig {

    /** Short lower-case name: {@code lamb}, {@code lars}, {@code adamw}, {@code adam}. Stored in checkpoints. */
    String name();

    LearningRateSchedule learningRate();

    /** The same hyperparameters with another learning-rate schedule. */
    OptimizerConfig withLearningRate(LearningRateSchedule schedule);

    /**
     * Per-tensor weight-decay coefficients by exact tensor name. For those tensors they replace the config's weight
     * decay and its exclusion regexes; they do not change layer adaptation. Each optimizer applies them as it applies
     * its weight decay: decoupled for LAMB and AdamW, coupled L2 added to the gradient for Adam, inside the momentum for
     * LARS. Empty by default. A name missing from the layout fails the first {@code init}/{@code step} on it (or
     * {@link ShardedStep#of}) with an {@link IllegalArgumentException} naming the tensor.
     */
    Map<String, Double> weightDecayOverrides();

    /** The same hyperparameters with these weight-decay overrides (replacing any earlier ones). */
    OptimizerConfig withWeightDecayOverrides(Map<String, Double> overrides);

    /** A new optimizer that applies these hyperparameters. */
    Optimizer create();
}
