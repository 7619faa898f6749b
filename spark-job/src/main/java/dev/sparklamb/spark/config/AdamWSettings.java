package dev.sparklamb.spark.config;

import dev.sparklamb.optim.AdamWConfig;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * AdamW's settings ({@code spark-lamb.optimizer.name = adamw}): Adam with decoupled weight decay; see {@link AdamWConfig}. Moments are always bias-corrected; there is no layer adaptation (trust ratio).
 *
 * @param epsilon empty: {@link AdamWConfig#DEFAULT_EPSILON}
 */
public record AdamWSettings(LearningRateSettings learningRate, WeightDecaySettings weightDecay, double maxGradientNorm, double beta1,
                            double beta2, OptionalDouble epsilon) implements OptimizerSettings {

    public AdamWSettings {
        Checks.common(learningRate, weightDecay, maxGradientNorm);
        Checks.moments(beta1, beta2, epsilon);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAMW;
    }

    @Override
    public AdamWConfig create(long totalSteps, long globalBatch) {
        return new AdamWConfig(schedule(totalSteps, globalBatch), beta1, beta2, epsilon.orElse(AdamWConfig.DEFAULT_EPSILON),
                weightDecay.rateOr(AdamWConfig.DEFAULT_WEIGHT_DECAY), weightDecay.exclude(), gradientClip());
    }

    @Override
    public AdamWSettings excludingBatchNorm(List<String> tensors) {
        if (!weightDecay.excludeBatchNorm() || tensors.isEmpty()) {
            return this;
        }
        return new AdamWSettings(learningRate, weightDecay.excluding(WeightDecaySettings.exactly(tensors)), maxGradientNorm, beta1, beta2,
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
