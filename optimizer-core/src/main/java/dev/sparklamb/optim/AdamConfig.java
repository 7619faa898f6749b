package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with optional L2 regularisation
 * coupled into the gradient ({@code g + wd w}, as in PyTorch's {@code torch.optim.Adam}).
 *
 * <p>Validation and the optimizer are shared with the other Adam record ({@link AdamFamily}).
 *
 * @param learningRate           default constant {@value #DEFAULT_LEARNING_RATE}
 * @param beta1                  default {@value #DEFAULT_BETA1}
 * @param beta2                  default {@value #DEFAULT_BETA2}
 * @param epsilon                default {@value #DEFAULT_EPSILON}
 * @param weightDecay            L2 coefficient added to the gradient; default {@value #DEFAULT_WEIGHT_DECAY}
 * @param excludeFromWeightDecay regexes searched in tensor names; default none
 * @param maxGradientNorm        global gradient-norm clipping before the step; default none
 * @param weightDecayOverrides   exact tensor name to its own weight-decay coefficient, applied the same way; default
 *                               none (see {@link OptimizerConfig#weightDecayOverrides()})
 */
public record AdamConfig(
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
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;

    public AdamConfig {
        AdamFamily.validate(learningRate, beta1, beta2, epsilon, weightDecay, maxGradientNorm);
        excludeFromWeightDecay = Hyperparameters.regexes("excludeFromWeightDecay", excludeFromWeightDecay);
        weightDecayOverrides = Hyperparameters.weightDecayOverrides(weightDecayOverrides);
    }

    /** Without weight-decay overrides. */
    public AdamConfig(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, double weightDecay,
               List<String> excludeFromWeightDecay, OptionalDouble maxGradientNorm) {
        this(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, Map.of());
    }

    public static AdamConfig defaults() {
        return new AdamConfig(LearningRateSchedule.constant(DEFAULT_LEARNING_RATE), DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON,
                DEFAULT_WEIGHT_DECAY, List.of(), OptionalDouble.empty());
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    public AdamConfig withLearningRate(LearningRateSchedule schedule) {
        return new AdamConfig(schedule, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, weightDecayOverrides);
    }

    public AdamConfig withWeightDecay(double wd, List<String> exclude) {
        return new AdamConfig(learningRate, beta1, beta2, epsilon, wd, exclude, maxGradientNorm, weightDecayOverrides);
    }

    public AdamConfig withMaxGradientNorm(double maxNorm) {
        return new AdamConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, OptionalDouble.of(maxNorm),
                weightDecayOverrides);
    }

    @Override
    public AdamConfig withWeightDecayOverrides(Map<String, Double> overrides) {
        return new AdamConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm, overrides);
    }

    @Override
    public Optimizer create() {
        return AdamFamily.create(this, AdaptiveMomentRule.Decay.COUPLED, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay,
                maxGradientNorm, weightDecayOverrides);
    }
}
