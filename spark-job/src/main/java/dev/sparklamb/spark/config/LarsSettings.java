package dev.sparklamb.spark.config;

import dev.sparklamb.optim.LarsConfig;
import java.util.List;
import java.util.Objects;

/**
 * LARS's settings ({@code spark-lamb.optimizer.name = lars}): see {@link LarsConfig} for the algorithm.
 *
 * @param momentum         {@code spark-lamb.optimizer.momentum}, in [0, 1)
 * @param trustCoefficient {@code spark-lamb.optimizer.trust-coefficient}, > 0
 */
public record LarsSettings(LearningRateSettings learningRate, WeightDecaySettings weightDecay, LayerAdaptationSettings layerAdaptation,
                           double maxGradientNorm, double momentum, double trustCoefficient) implements OptimizerSettings {

    public LarsSettings {
        Checks.common(learningRate, weightDecay, maxGradientNorm);
        Checks.present("optimizer.exclude-from-layer-adaptation", layerAdaptation);
        Checks.inRange("optimizer.momentum", momentum, 0, 1, false);
        Checks.positive("optimizer.trust-coefficient", trustCoefficient);
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.LARS;
    }

    @Override
    public LarsConfig create(long totalSteps, long globalBatch) {
        return new LarsConfig(schedule(totalSteps, globalBatch), momentum, trustCoefficient, weightDecay.rateOr(LarsConfig.DEFAULT_WEIGHT_DECAY),
                weightDecay.exclude(), layerAdaptation.exclude(), layerAdaptation.clamp(), gradientClip());
    }

    @Override
    public LarsSettings excludingBatchNorm(List<String> tensors) {
        if (!weightDecay.excludeBatchNorm() || tensors.isEmpty()) {
            return this;
        }
        List<String> exact = WeightDecaySettings.exactly(tensors);
        return new LarsSettings(learningRate, weightDecay.excluding(exact), layerAdaptation.excluding(exact), maxGradientNorm, momentum,
                trustCoefficient);
    }

    @Override
    public OptimizerValues values() {
        OptimizerValues d = OptimizerValues.defaults();
        return OptimizerValues.of(kind(), learningRate, weightDecay, maxGradientNorm, layerAdaptation, d.beta1(), d.beta2(), d.epsilon(),
                d.biasCorrection(), momentum, trustCoefficient);
    }

    @Override
    public String toString() {
        return Objects.toString(values());
    }
}
