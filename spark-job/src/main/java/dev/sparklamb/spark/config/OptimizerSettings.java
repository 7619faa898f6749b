package dev.sparklamb.spark.config;

import dev.sparklamb.optim.AdamConfig;
import dev.sparklamb.optim.AdamWConfig;
import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.LarsConfig;
import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.optim.TrustRatioClamp;
import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The optimizer section of a run's configuration; {@link #create(long, long)} turns it into an optimizer-core config
 * once the run's length and batch size are known.
 *
 * @param epsilon     NaN means the optimizer's own default
 * @param weightDecay NaN means the optimizer's own default
 */
public record OptimizerSettings(
        String name,
        double baseLearningRate,
        long baseBatch,
        String scaling,
        double warmupFraction,
        double decayPower,
        double endLearningRate,
        double weightDecay,
        List<String> excludeFromWeightDecay,
        Optional<List<String>> excludeFromLayerAdaptation,
        double maxGradientNorm,
        double trustRatioMin,
        double trustRatioMax,
        double beta1,
        double beta2,
        double epsilon,
        boolean biasCorrection,
        double momentum,
        double trustCoefficient,
        boolean excludeBatchNorm) implements Serializable {

    /** With {@code excludeBatchNorm} true (the default). */
    public OptimizerSettings(String name, double baseLearningRate, long baseBatch, String scaling, double warmupFraction, double decayPower,
                             double endLearningRate, double weightDecay, List<String> excludeFromWeightDecay,
                             Optional<List<String>> excludeFromLayerAdaptation, double maxGradientNorm, double trustRatioMin,
                             double trustRatioMax, double beta1, double beta2, double epsilon, boolean biasCorrection, double momentum,
                             double trustCoefficient) {
        this(name, baseLearningRate, baseBatch, scaling, warmupFraction, decayPower, endLearningRate, weightDecay, excludeFromWeightDecay,
                excludeFromLayerAdaptation, maxGradientNorm, trustRatioMin, trustRatioMax, beta1, beta2, epsilon, biasCorrection, momentum,
                trustCoefficient, true);
    }

    /**
     * These settings with {@code tensors} (exact names) also excluded from weight decay and layer adaptation, when
     * {@code excludeBatchNorm} is set: batch normalization's gamma and beta, as usual with LAMB and LARS.
     */
    public OptimizerSettings excludingBatchNorm(List<String> tensors) {
        if (!excludeBatchNorm || tensors.isEmpty()) {
            return this;
        }
        List<String> exact = tensors.stream().map(t -> "^" + java.util.regex.Pattern.quote(t) + "$").toList();
        List<String> decay = new java.util.ArrayList<>(excludeFromWeightDecay);
        decay.addAll(exact);
        Optional<List<String>> adaptation = excludeFromLayerAdaptation.map(l -> {
            List<String> all = new java.util.ArrayList<>(l);
            all.addAll(exact);
            return List.copyOf(all);
        });
        return new OptimizerSettings(name, baseLearningRate, baseBatch, scaling, warmupFraction, decayPower, endLearningRate, weightDecay,
                List.copyOf(decay), adaptation, maxGradientNorm, trustRatioMin, trustRatioMax, beta1, beta2, epsilon, biasCorrection, momentum,
                trustCoefficient, excludeBatchNorm);
    }

    public static final List<String> NAMES = List.of("lamb", "lars", "adamw", "adam");

    private static double or(double value, double optimizerDefault) {
        return Double.isNaN(value) ? optimizerDefault : value;
    }

    /** The peak learning rate for this global batch ({@code sqrt} or {@code linear} scaling from the base batch, or none). */
    public double peakLearningRate(long globalBatch) {
        return switch (scaling) {
            case "sqrt" -> LearningRateSchedule.sqrtScaled(baseLearningRate, baseBatch, globalBatch);
            case "linear" -> LearningRateSchedule.linearScaled(baseLearningRate, baseBatch, globalBatch);
            default -> baseLearningRate;
        };
    }

    /** Warmup then polynomial decay over {@code totalSteps}, peak scaled for {@code globalBatch}. */
    public LearningRateSchedule schedule(long totalSteps, long globalBatch) {
        long warmup = Math.round(warmupFraction * totalSteps);
        return LearningRateSchedule.warmupPolynomialDecay(peakLearningRate(globalBatch), warmup, totalSteps, decayPower, endLearningRate);
    }

    /** The optimizer-core configuration; fails with the config key's name on a bad value. */
    public OptimizerConfig create(long totalSteps, long globalBatch) {
        LearningRateSchedule lr = schedule(totalSteps, globalBatch);
        OptionalDouble clip = maxGradientNorm > 0 ? OptionalDouble.of(maxGradientNorm) : OptionalDouble.empty();
        Optional<TrustRatioClamp> clamp = trustRatioMin == 0 && trustRatioMax == 0 ? Optional.empty()
                : Optional.of(new TrustRatioClamp(trustRatioMin, trustRatioMax));
        return switch (name) {
            case "lamb" -> new LambConfig(lr, beta1, beta2, or(epsilon, LambConfig.DEFAULT_EPSILON),
                    or(weightDecay, LambConfig.DEFAULT_WEIGHT_DECAY), excludeFromWeightDecay, excludeFromLayerAdaptation, biasCorrection,
                    clamp, clip);
            case "lars" -> new LarsConfig(lr, momentum, trustCoefficient, or(weightDecay, LarsConfig.DEFAULT_WEIGHT_DECAY),
                    excludeFromWeightDecay, excludeFromLayerAdaptation, clamp, clip);
            case "adamw" -> new AdamWConfig(lr, beta1, beta2, or(epsilon, AdamWConfig.DEFAULT_EPSILON),
                    or(weightDecay, AdamWConfig.DEFAULT_WEIGHT_DECAY), excludeFromWeightDecay, clip);
            case "adam" -> new AdamConfig(lr, beta1, beta2, or(epsilon, AdamConfig.DEFAULT_EPSILON),
                    or(weightDecay, AdamConfig.DEFAULT_WEIGHT_DECAY), excludeFromWeightDecay, clip);
            default -> throw new ConfigurationException("spark-lamb.optimizer.name: expected one of " + NAMES + ", got '" + name + "'");
        };
    }
}
