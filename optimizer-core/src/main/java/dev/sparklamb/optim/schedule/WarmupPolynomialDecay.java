package dev.sparklamb.optim.schedule;

/**
 * Linear warmup then polynomial decay, the schedule of BERT and of the LAMB paper (You et al., ICLR 2020, Sec. 4).
 *
 * <ul>
 *   <li>warmup, {@code step < warmupSteps}: {@code peak * (step + 1) / warmupSteps} (the first step already moves;
 *       the last warmup step reaches {@code peak});</li>
 *   <li>decay, {@code warmupSteps <= step}: {@code (peak - end) * (1 - p)^power + end} with
 *       {@code p = min(1, (step - warmupSteps) / (totalSteps - warmupSteps))}; for {@code power > 0} it reaches
 *       {@code end} at {@code totalSteps} and stays there.</li>
 * </ul>
 * {@code power = 1} is linear decay (BERT); {@code power = 0} holds the peak throughout ({@code 0^0 = 1}).
 */
public record WarmupPolynomialDecay(double peak, long warmupSteps, long totalSteps, double power, double end)
        implements LearningRateSchedule {

    public WarmupPolynomialDecay {
        Rates.requireRate("peak learning rate", peak);
        Rates.requireRate("end learning rate", end);
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps must be > 0, got " + totalSteps);
        }
        if (warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmupSteps (" + warmupSteps + ") must not exceed totalSteps (" + totalSteps + ")");
        }
        if (!(power >= 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("decay power must be a finite number >= 0, got " + power);
        }
    }

    @Override
    public double rate(long step) {
        Rates.requireStep(step);
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        long decaySteps = totalSteps - warmupSteps;
        if (decaySteps == 0) {
            return end;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return (peak - end) * Math.pow(1.0 - progress, power) + end;
    }
}
