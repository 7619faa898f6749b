package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * LARS, as the LAMB paper's Algorithm 1 states it (You et al., ICLR 2020; originally You, Gitman and Ginsburg,
 * "Large Batch Training of Convolutional Networks", 2017). Per tensor: {@code m = b m + (1-b)(g + wd w)};
 * {@code r = eta |w| / |m|}, exactly 1 when either norm is 0; {@code w = w - lr r m}.
 *
 * @param learningRate               default constant {@value #DEFAULT_LEARNING_RATE}
 * @param momentum                   {@code b}, in [0, 1); default {@value #DEFAULT_MOMENTUM}
 * @param trustCoefficient           {@code eta}, > 0; default {@value #DEFAULT_TRUST_COEFFICIENT} (the paper's
 *                                   Algorithm 1, where it is folded into lr; LARS 2017 used 0.001 with a larger lr)
 * @param weightDecay                default {@value #DEFAULT_WEIGHT_DECAY}
 * @param excludeFromWeightDecay     regexes; default none
 * @param excludeFromLayerAdaptation regexes; empty Optional (default) means the weight-decay list
 * @param trustRatioClamp            default none
 * @param maxGradientNorm            global gradient-norm clipping before the step; default none
 * @param weightDecayOverrides       exact tensor name to its own weight-decay coefficient, which LARS adds inside the
 *                                   momentum like {@code weightDecay}; default none
 */
public record LarsConfig(
        LearningRateSchedule learningRate,
        double momentum,
        double trustCoefficient,
        double weightDecay,
        List<String> excludeFromWeightDecay,
        Optional<List<String>> excludeFromLayerAdaptation,
        Optional<TrustRatioClamp> trustRatioClamp,
        OptionalDouble maxGradientNorm,
        Map<String, Double> weightDecayOverrides) implements OptimizerConfig {

    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_MOMENTUM = 0.9;
    public static final double DEFAULT_TRUST_COEFFICIENT = 1.0;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;

    public LarsConfig {
        Objects.requireNonNull(learningRate, "learningRate");
        Hyperparameters.beta("momentum", momentum);
        Hyperparameters.positive("trustCoefficient", trustCoefficient);
        Hyperparameters.nonNegative("weightDecay", weightDecay);
        excludeFromWeightDecay = Hyperparameters.regexes("excludeFromWeightDecay", excludeFromWeightDecay);
        Objects.requireNonNull(excludeFromLayerAdaptation, "excludeFromLayerAdaptation");
        excludeFromLayerAdaptation = excludeFromLayerAdaptation.map(l -> Hyperparameters.regexes("excludeFromLayerAdaptation", l));
        Objects.requireNonNull(trustRatioClamp, "trustRatioClamp");
        Objects.requireNonNull(maxGradientNorm, "maxGradientNorm");
        maxGradientNorm.ifPresent(v -> Hyperparameters.positive("maxGradientNorm", v));
        weightDecayOverrides = Hyperparameters.weightDecayOverrides(weightDecayOverrides);
    }

    /** Without weight-decay overrides. */
    public LarsConfig(LearningRateSchedule learningRate, double momentum, double trustCoefficient, double weightDecay,
                      List<String> excludeFromWeightDecay, Optional<List<String>> excludeFromLayerAdaptation,
                      Optional<TrustRatioClamp> trustRatioClamp, OptionalDouble maxGradientNorm) {
        this(learningRate, momentum, trustCoefficient, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation, trustRatioClamp,
                maxGradientNorm, Map.of());
    }

    public static LarsConfig defaults() {
        return new LarsConfig(LearningRateSchedule.constant(DEFAULT_LEARNING_RATE), DEFAULT_MOMENTUM, DEFAULT_TRUST_COEFFICIENT,
                DEFAULT_WEIGHT_DECAY, List.of(), Optional.empty(), Optional.empty(), OptionalDouble.empty());
    }

    public List<String> effectiveLayerAdaptationExclusions() {
        return excludeFromLayerAdaptation.orElse(excludeFromWeightDecay);
    }

    @Override
    public String name() {
        return "lars";
    }

    @Override
    public LarsConfig withLearningRate(LearningRateSchedule schedule) {
        return new LarsConfig(schedule, momentum, trustCoefficient, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation,
                trustRatioClamp, maxGradientNorm, weightDecayOverrides);
    }

    public LarsConfig withWeightDecay(double wd, List<String> exclude) {
        return new LarsConfig(learningRate, momentum, trustCoefficient, wd, exclude, excludeFromLayerAdaptation, trustRatioClamp,
                maxGradientNorm, weightDecayOverrides);
    }

    public LarsConfig withTrustCoefficient(double eta) {
        return new LarsConfig(learningRate, momentum, eta, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation,
                trustRatioClamp, maxGradientNorm, weightDecayOverrides);
    }

    public LarsConfig withTrustRatioClamp(double min, double max) {
        return new LarsConfig(learningRate, momentum, trustCoefficient, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation,
                Optional.of(new TrustRatioClamp(min, max)), maxGradientNorm, weightDecayOverrides);
    }

    public LarsConfig withMaxGradientNorm(double maxNorm) {
        return new LarsConfig(learningRate, momentum, trustCoefficient, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation,
                trustRatioClamp, OptionalDouble.of(maxNorm), weightDecayOverrides);
    }

    @Override
    public LarsConfig withWeightDecayOverrides(Map<String, Double> overrides) {
        return new LarsConfig(learningRate, momentum, trustCoefficient, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation,
                trustRatioClamp, maxGradientNorm, overrides);
    }

    @Override
    public Optimizer create() {
        MomentumRule rule = new MomentumRule(momentum, new LayerAdaptation(trustCoefficient, trustRatioClamp));
        TensorFacts.Recipe perTensor = new TensorFacts.Recipe(weightDecay, excludeFromWeightDecay, true,
                effectiveLayerAdaptationExclusions(), weightDecayOverrides);
        return new LocalOptimizer(this, new OptimizerSpec(name(), learningRate, maxGradientNorm, rule, perTensor));
    }
}
