package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * LAMB: layer-wise adaptive moments for large-batch training (You et al., "Large Batch Optimization for Deep
 * Learning: Training BERT in 76 minutes", ICLR 2020, Algorithm 2), with the semantics of the TF Addons reference.
 *
 * <p>Per tensor, at step {@code t = 1, 2, ...}: {@code m = b1 m + (1-b1) g}; {@code v = b2 v + (1-b2) g^2};
 * {@code m^ = m / (1-b1^t)}, {@code v^ = v / (1-b2^t)} (when {@link #biasCorrection}); {@code u = m^ / (sqrt(v^) + eps)
 * + wd w}; {@code r = |w| / |u|}, exactly 1 when either norm is 0; {@code w = w - lr r u}.
 *
 * @param learningRate               schedule of {@code lr}; default constant {@value #DEFAULT_LEARNING_RATE}
 * @param beta1                      first-moment decay, in [0, 1); default {@value #DEFAULT_BETA1}
 * @param beta2                      second-moment decay, in [0, 1); default {@value #DEFAULT_BETA2}
 * @param epsilon                    added to {@code sqrt(v^)}, > 0; default {@value #DEFAULT_EPSILON}
 * @param weightDecay                decoupled weight decay {@code wd}, added inside the normed update, >= 0; default
 *                                   {@value #DEFAULT_WEIGHT_DECAY}
 * @param excludeFromWeightDecay     regexes searched in tensor names; matching tensors get no weight decay; default none
 * @param excludeFromLayerAdaptation regexes; matching tensors use ratio 1; empty Optional (the default) means the
 *                                   weight-decay list, as in TF Addons
 * @param biasCorrection             divide moments by {@code 1 - beta^t}; default {@value #DEFAULT_BIAS_CORRECTION}
 *                                   (the paper's v1-v3 had none)
 * @param trustRatioClamp            bounds for the ratio (DeepSpeed's min/max coeff); default none
 * @param maxGradientNorm            clip the global gradient norm to this before the step (NVIDIA's NVLAMB
 *                                   pre-normalisation, 1.0 there); default none
 * @param weightDecayOverrides       exact tensor name to its own decoupled weight-decay coefficient, taking precedence
 *                                   over {@code weightDecay} and {@code excludeFromWeightDecay} for that tensor (layer
 *                                   adaptation is unchanged); default none
 */
public record LambConfig(
        LearningRateSchedule learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        List<String> excludeFromWeightDecay,
        Optional<List<String>> excludeFromLayerAdaptation,
        boolean biasCorrection,
        Optional<TrustRatioClamp> trustRatioClamp,
        OptionalDouble maxGradientNorm,
        Map<String, Double> weightDecayOverrides) implements OptimizerConfig {

    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-6;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;
    public static final boolean DEFAULT_BIAS_CORRECTION = true;

    public LambConfig {
        Objects.requireNonNull(learningRate, "learningRate");
        Hyperparameters.beta("beta1", beta1);
        Hyperparameters.beta("beta2", beta2);
        Hyperparameters.positive("epsilon", epsilon);
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
    public LambConfig(LearningRateSchedule learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                      List<String> excludeFromWeightDecay, Optional<List<String>> excludeFromLayerAdaptation, boolean biasCorrection,
                      Optional<TrustRatioClamp> trustRatioClamp, OptionalDouble maxGradientNorm) {
        this(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay, excludeFromLayerAdaptation, biasCorrection,
                trustRatioClamp, maxGradientNorm, Map.of());
    }

    /** All defaults. */
    public static LambConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The layer-adaptation exclusions in effect: the explicit list, or else the weight-decay list. */
    public List<String> effectiveLayerAdaptationExclusions() {
        return excludeFromLayerAdaptation.orElse(excludeFromWeightDecay);
    }

    @Override
    public String name() {
        return "lamb";
    }

    @Override
    public LambConfig withLearningRate(LearningRateSchedule schedule) {
        return toBuilder().learningRate(schedule).build();
    }

    @Override
    public LambConfig withWeightDecayOverrides(Map<String, Double> overrides) {
        return toBuilder().weightDecayOverrides(overrides).build();
    }

    @Override
    public Optimizer create() {
        AdaptiveMomentRule rule = new AdaptiveMomentRule(beta1, beta2, epsilon, biasCorrection, AdaptiveMomentRule.Decay.DECOUPLED,
                Optional.of(new LayerAdaptation(1.0, trustRatioClamp)));
        TensorFacts.Recipe perTensor = new TensorFacts.Recipe(weightDecay, excludeFromWeightDecay, true,
                effectiveLayerAdaptationExclusions(), weightDecayOverrides);
        return new LocalOptimizer(this, new OptimizerSpec(name(), learningRate, maxGradientNorm, rule, perTensor));
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.learningRate = learningRate;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.epsilon = epsilon;
        b.weightDecay = weightDecay;
        b.excludeFromWeightDecay = excludeFromWeightDecay;
        b.excludeFromLayerAdaptation = excludeFromLayerAdaptation;
        b.biasCorrection = biasCorrection;
        b.trustRatioClamp = trustRatioClamp;
        b.maxGradientNorm = maxGradientNorm;
        b.weightDecayOverrides = weightDecayOverrides;
        return b;
    }

    /** Builder with every default set. */
    public static final class Builder {
        private LearningRateSchedule learningRate = LearningRateSchedule.constant(DEFAULT_LEARNING_RATE);
        private double beta1 = DEFAULT_BETA1;
        private double beta2 = DEFAULT_BETA2;
        private double epsilon = DEFAULT_EPSILON;
        private double weightDecay = DEFAULT_WEIGHT_DECAY;
        private List<String> excludeFromWeightDecay = List.of();
        private Optional<List<String>> excludeFromLayerAdaptation = Optional.empty();
        private boolean biasCorrection = DEFAULT_BIAS_CORRECTION;
        private Optional<TrustRatioClamp> trustRatioClamp = Optional.empty();
        private OptionalDouble maxGradientNorm = OptionalDouble.empty();
        private Map<String, Double> weightDecayOverrides = Map.of();

        public Builder learningRate(double constant) {
            return learningRate(LearningRateSchedule.constant(constant));
        }

        public Builder learningRate(LearningRateSchedule schedule) {
            this.learningRate = schedule;
            return this;
        }

        public Builder beta1(double v) {
            this.beta1 = v;
            return this;
        }

        public Builder beta2(double v) {
            this.beta2 = v;
            return this;
        }

        public Builder epsilon(double v) {
            this.epsilon = v;
            return this;
        }

        public Builder weightDecay(double v) {
            this.weightDecay = v;
            return this;
        }

        public Builder excludeFromWeightDecay(List<String> regexes) {
            this.excludeFromWeightDecay = regexes;
            return this;
        }

        public Builder excludeFromLayerAdaptation(List<String> regexes) {
            this.excludeFromLayerAdaptation = Optional.of(regexes);
            return this;
        }

        public Builder biasCorrection(boolean v) {
            this.biasCorrection = v;
            return this;
        }

        public Builder trustRatioClamp(double min, double max) {
            this.trustRatioClamp = Optional.of(new TrustRatioClamp(min, max));
            return this;
        }

        public Builder maxGradientNorm(double v) {
            this.maxGradientNorm = OptionalDouble.of(v);
            return this;
        }

        /** Exact tensor name to its own weight-decay coefficient (see {@link OptimizerConfig#weightDecayOverrides()}). */
        public Builder weightDecayOverrides(Map<String, Double> overrides) {
            this.weightDecayOverrides = overrides;
            return this;
        }

        public LambConfig build() {
            return new LambConfig(learningRate, beta1, beta2, epsilon, weightDecay, excludeFromWeightDecay,
                    excludeFromLayerAdaptation, biasCorrection, trustRatioClamp, maxGradientNorm, weightDecayOverrides);
        }
    }
}
