package dev.sparklamb.optim.schedule;

/**
 * The learning rate as a function of the step. {@code step} is the 0-based index of the step about to be taken
 * (the optimizer's completed step count), so a run of {@code T} steps asks for {@code rate(0) .. rate(T - 1)}.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    double rate(long step);

    /** A constant rate. */
    static LearningRateSchedule constant(double rate) {
        return new ConstantSchedule(rate);
    }

    /**
     * Linear warmup to {@code peak} over {@code warmupSteps}, then polynomial decay to {@code end} at
     * {@code totalSteps} (BERT's schedule, used by the LAMB paper). See {@link WarmupPolynomialDecay}.
     */
    static LearningRateSchedule warmupPolynomialDecay(double peak, long warmupSteps, long totalSteps, double power, double end) {
        return new WarmupPolynomialDecay(peak, warmupSteps, totalSteps, power, end);
    }

    /**
     * The LAMB paper's square-root scaling of the learning rate with the global batch size:
     * {@code lr(B) = lr0 * sqrt(B / B0)}.
     */
    static double sqrtScaled(double baseRate, long baseBatchSize, long batchSize) {
        if (!(baseRate >= 0) || Double.isInfinite(baseRate)) {
            throw new IllegalArgumentException("baseRate must be a finite number >= 0, got " + baseRate);
        }
        if (baseBatchSize <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("batch sizes must be > 0, got base " + baseBatchSize + " and " + batchSize);
        }
        return baseRate * Math.sqrt((double) batchSize / baseBatchSize);
    }

    /**
     * Linear scaling of the learning rate with the global batch size (Goyal et al. 2017, the usual rule for SGD/LARS):
     * {@code lr(B) = lr0 * B / B0}.
     */
    static double linearScaled(double baseRate, long baseBatchSize, long batchSize) {
        if (!(baseRate >= 0) || Double.isInfinite(baseRate)) {
            throw new IllegalArgumentException("baseRate must be a finite number >= 0, got " + baseRate);
        }
        if (baseBatchSize <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("batch sizes must be > 0, got base " + baseBatchSize + " and " + batchSize);
        }
        return baseRate * ((double) batchSize / baseBatchSize);
    }
}
