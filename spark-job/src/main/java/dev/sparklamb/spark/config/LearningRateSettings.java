package dev.sparklamb.spark.config;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.io.Serializable;
import java.util.Objects;

/**
 * The learning-rate schedule of every optimizer ({@code spark-lamb.optimizer.learning-rate}): linear warmup to a peak
 * scaled from {@code base} at {@code baseBatch} examples per step, then polynomial decay to {@code end}.
 */
public record LearningRateSettings(double base, long baseBatch, LearningRateScaling scaling, double warmupFraction,
                                   double decayPower, double end) implements Serializable {

    private static final String KEY = "optimizer.learning-rate.";

    public LearningRateSettings {
        Checks.positive(KEY + "base", base);
        Checks.atLeast(KEY + "base-batch", baseBatch, 1);
        Objects.requireNonNull(scaling, Checks.ROOT + KEY + "scaling");
        Checks.inRange(KEY + "warmup-fraction", warmupFraction, 0, 1, true);
        Checks.nonNegative(KEY + "decay-power", decayPower);
        Checks.nonNegative(KEY + "end", end);
    }

    /** The peak learning rate for this global batch ({@code sqrt} or {@code linear} scaling from the base batch, or none). */
    public double peak(long globalBatch) {
        return switch (scaling) {
            case SQRT -> LearningRateSchedule.sqrtScaled(base, baseBatch, globalBatch);
            case LINEAR -> LearningRateSchedule.linearScaled(base, baseBatch, globalBatch);
            case NONE -> base;
        };
    }

    /** Warmup then polynomial decay over {@code totalSteps}, peak scaled for {@code globalBatch}. */
    public LearningRateSchedule schedule(long totalSteps, long globalBatch) {
        long warmup = Math.round(warmupFraction * totalSteps);
        return LearningRateSchedule.warmupPolynomialDecay(peak(globalBatch), warmup, totalSteps, decayPower, end);
    }
}
