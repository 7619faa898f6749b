package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019).
 * Per tensor: Adam's bias-corrected moments, then {@code w = w - lr (m^ / (sqrt(v^) + eps) + wd w)}.
 * Defaults follow PyTorch's {@code torch.optim.AdamW}.
 *
 * <p>Validation and the optimizer are shared with the other Adam record ({@link AdamFamily}).
 *
 * @param learningRate           default constant {@value #DEFAULT_LEARNING_RATE}
 * @param beta1                  default {@value #DEFAULT_BETA1}
 * @param beta2                  default {@value #DEFAULT_BETA2}
 * @param epsilon                default {@value #DEFAULT_EPSILON}
 * @param weightDecay            decoupled, default {@value #DEFAULT_WEIGHT_DECAY}
 * @param excludeFromWeightDecay regexes searched in tensor names; default none
 * @param maxGradientNorm        global gradient-norm clipping before the step; default none
 * @param weightDecayOverrides   exact tensor name to its own weight-decay coefficient, applied the same way; default
 *                               none (see {@link OptimizerConfig#weightDecayOverrides()})
 */
public record AdamWConfig(
        LearningRateSchedule learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        List<String> excludeFromWeightDecay,
        OptionalDouble maxGradientNorm,
        Map<String, Double> weightDecayOverrides) implements OptimizerConfig {

    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    public AdamWConfig {
        AdamFamily.validate(learningRate, beta1, beta2, epsilon, weightDecay, maxGradientNorm);
        excludeFromWeightDecay = Hyperparameters.regexes("excludeFromWeightDecay", excludeFromWeightDecay);
        weightDecayOverrides = Hyperparameters.weightDecayOverrides(weightDecayOverrides);
    }

    /** Without weight-decay overrides. */
    public AdamWConfig(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, double weightDecay,
               List<String> excludeFromWeightDecay, OptionalDouble maxGradientNorm) {
        this(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, Map.of());
    }

    public static AdamWConfig defaults() {
        return new AdamWConfig(LearningRateSchedule.constant(DEFAULT_LEARNING_RATE), DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON,
                DEFAULT_WEIGHT_DECAY, List.of(), OptionalDouble.empty());
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    public AdamWConfig withLearningRate(LearningRateSchedule schedule) {
        return new AdamWConfig(schedule, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, weightDecayOverrides);
    }

    public AdamWConfig withWeightDecay(double wd, List<String> exclude) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, wd, exclude, maxGradientNorm, weightDecayOverrides);
    }

    public AdamWConfig withMaxGradientNorm(double maxNorm) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, OptionalDouble.of(maxNorm),
                weightDecayOverrides);
    }

    @Override
    public AdamWConfig withWeightDecayOverrides(Map<String, Double> overrides) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, overrides);
    }

    @Override
    public Optimizer create() {
        return AdamFamily.create(this, AdaptiveMomentRule.Decay.DECOUPLED, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay,
                maxGradientNorm, weightDecayOverrides);
    }
}
