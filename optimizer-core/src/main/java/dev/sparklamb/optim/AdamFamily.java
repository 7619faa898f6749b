package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What {@link AdamConfig} (Kingma and Ba, ICLR 2015; coupled L2) and {@link AdamWConfig} (Loshchilov and Hutter, ICLR
 * 2019; decoupled decay) share: the validation of their identical hyperparameters and the optimizer they create, which
 * differ only in where weight decay enters ({@link AdaptiveMomentRule.Decay}).
 */
final class AdamFamily {

    private AdamFamily() {
    }

    static void validate(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                         OptionalDouble maxGradientNorm) {
        Objects.requireNonNull(learningRate, "learningRate");
        Hyperparameters.beta("beta1", beta1);
        Hyperparameters.beta("beta2", beta2);
        Hyperparameters.positive("epsilon", epsilon);
        Hyperparameters.nonNegative("weightDecay", weightDecay);
        Objects.requireNonNull(maxGradientNorm, "maxGradientNorm");
        maxGradientNorm.ifPresent(v -> Hyperparameters.positive("maxGradientNorm", v));
    }

    static Optimizer create(OptimizerConfig config, AdaptiveMomentRule.Decay decay, double beta1, double beta2, double epsilon,
                            double weightDecay, List<String> excludeFromWeightDecay, OptionalDouble maxGradientNorm,
                            Map<String, Double> weightDecayOverrides) {
        AdaptiveMomentRule rule = new AdaptiveMomentRule(beta1, beta2, epsilon, true, decay, Optional.empty());
        TensorFacts.Recipe perTensor = new TensorFacts.Recipe(weightDecay, excludeFromWeightDecay, false, List.of(), weightDecayOverrides);
        return new LocalOptimizer(config, new OptimizerSpec(config.name(), config.learningRate(), maxGradientNorm, rule, perTensor));
    }
}
