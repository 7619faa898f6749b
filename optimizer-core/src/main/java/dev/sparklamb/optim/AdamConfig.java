package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with optional L2 regularisation
 * coupled into the gradient ({@code g + wd w}, as in PyTorch's {@code torch.optim.Adam}).
 *
 * @param learningRate           default constant {@value #DEFAULT_LEARNING_RATE}
 * @param beta1                  default {@value #DEFAULT_BETA1}
 * @param beta2                  default {@value #DEFAULT_BETA2}
 * @param epsilon                default {@value #DEFAULT_EPSILON}
 * @param weightDecay            L2 coefficient added to the gradient; default {@value #DEFAULT_WEIGHT_DECAY}
 * @param excludeFromWeightDecay regexes searched in tensor names; default none
 * @param maxGradientNorm        global gradient-norm clipping before the step; default none
 */
public record AdamConfig(
        LearningRateSchedule learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        List<String> excludeFromWeightDecay,
        OptionalDouble maxGradientNorm) implements OptimizerConfig {

    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;

    public AdamConfig {
        Objects.requireNonNull(learningRate, "learningRate");
        Hyperparameters.beta("beta1", beta1);
        Hyperparameters.beta("beta2", beta2);
        Hyperparameters.positive("epsilon", epsilon);
        Hyperparameters.nonNegative("weightDecay", weightDecay);
        excludeFromWeightDecay = Hyperparameters.regexes("excludeFromWeightDecay", excludeFromWeightDecay);
        Objects.requireNonNull(maxGradientNorm, "maxGradientNorm");
        maxGradientNorm.ifPresent(v -> Hyperparameters.positive("maxGradientNorm", v));
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
        return new AdamConfig(schedule, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, maxGradientNorm);
    }

    public AdamConfig withWeightDecay(double wd, List<String> exclude) {
        return new AdamConfig(learningRate, beta1, beta2, epsilon, wd, exclude, maxGradientNorm);
    }

    public AdamConfig withMaxGradientNorm(double maxNorm) {
        return new AdamConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, OptionalDouble.of(maxNorm));
    }

    @Override
    public Optimizer create() {
        return new AdaptiveMomentOptimizer(this, new AdaptiveMomentRule(beta1, beta2, epsilon, true, weightDecay, 0.0,
                excludeFromWeightDecay, false, List.of(), java.util.Optional.empty(), 1.0, maxGradientNorm));
    }
}
