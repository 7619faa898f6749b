package dev.sparklamb.spark.config;

import dev.sparklamb.optim.LambConfig;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * LAMB's settings ({@code spark-lamb.optimizer.name = lamb}): see {@link LambConfig} for the algorithm.
 *
 * @param epsilon empty: {@link LambConfig#DEFAULT_EPSILON}
 */
public record LambSettings(LearningRateSettings learningRate, WeightDecaySettings weightDecay, LayerAdaptationSettings layerAdaptation,
                           double maxGradientNorm, double beta1, double beta2, OptionalDouble epsilon, boolean biasCorrection)
        implements OptimizerSettings {

    public LambSettings {
        Checks.common(learningRate, weightDecay, maxGradientNorm);
        Checks.present("optimizer.exclude-from-layer-adaptation", layerAdaptation);
        Checks.moments(beta1, beta2, epsilon);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.LAMB;
    }

    @Override
    public LambConfig create(long totalSteps, long globalBatch) {
        return new LambConfig(schedule(totalSteps, globalBatch), beta1, beta2, epsilon.orElse(LambConfig.DEFAULT_EPSILON),
                weightDecay.rateOr(LambConfig.DEFAULT_WEIGHT_DECAY), weightDecay.exclude(), layerAdaptation.exclude(), biasCorrection,
                layerAdaptation.clamp(), gradientClip());
    }

    @Override
    public LambSettings excludingBatchNorm(List<String> tensors) {
        if (!weightDecay.excludeBatchNorm() || tensors.isEmpty()) {
            return this;
        }
        List<String> exact = WeightDecaySettings.exactly(tensors);
        return new LambSettings(learningRate, weightDecay.excluding(exact), layerAdaptation.excluding(exact), maxGradientNorm, beta1,
                beta2, epsilon, biasCorrection);
    }

    @Override
    public OptimizerValues values() {
        OptimizerValues d = OptimizerValues.defaults();
        return OptimizerValues.of(kind(), learningRate, weightDecay, maxGradientNorm, layerAdaptation, beta1, beta2, epsilon,
                biasCorrection, d.momentum(), d.trustCoefficient());
    }

    @Override
    public String toString() {
        return Objects.toString(values());
    }
}
