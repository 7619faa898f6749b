package dev.sparklamb.spark.config;

import dev.sparklamb.optim.AdamConfig;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Adam's settings ({@code spark-lamb.optimizer.name = adam}): weight decay is L2 added to the gradient; see {@link AdamConfig}. Moments are always bias-corrected; there is no layer adaptation (trust ratio).
 *
 * @param epsilon empty: {@link AdamConfig#DEFAULT_EPSILON}
 */
public record AdamSettings(LearningRateSettings learningRate, WeightDecaySettings weightDecay, double maxGradientNorm, double beta1,
                            double beta2, OptionalDouble epsilon) implements OptimizerSettings {

    public AdamSettings {
        Checks.common(learningRate, weightDecay, maxGradientNorm);
        Checks.moments(beta1, beta2, epsilon);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAM;
    }

    @Override
    public AdamConfig create(long totalSteps, long globalBatch) {
        return new AdamConfig(schedule(totalSteps, globalBatch), beta1, beta2, epsilon.orElse(AdamConfig.DEFAULT_EPSILON),
                weightDecay.rateOr(AdamConfig.DEFAULT_WEIGHT_DECAY), weightDecay.exclude(), gradientClip());
    }

    @Override
    public AdamSettings excludingBatchNorm(List<String> tensors) {
        if (!weightDecay.excludeBatchNorm() || tensors.isEmpty()) {
            return this;
        }
        return new AdamSettings(learningRate, weightDecay.excluding(WeightDecaySettings.exactly(tensors)), maxGradientNorm, beta1, beta2,
                epsilon);
    }

    @Override
    public OptimizerValues values() {
        OptimizerValues d = OptimizerValues.defaults();
        return OptimizerValues.of(kind(), learningRate, weightDecay, maxGradientNorm, d.layerAdaptation(), beta1, beta2, epsilon,
                d.biasCorrection(), d.momentum(), d.trustCoefficient());
    }

    @Override
    public String toString() {
        return Objects.toString(values());
    }
}
