package dev.sparklamb.optim;

/**
 * Bounds for the layer-wise trust ratio, as DeepSpeed's LAMB {@code min_coeff}/{@code max_coeff} (0.01 / 10 there).
 * Applied to every computed ratio, including the ratio of 1 used when a norm is zero. Off unless configured.
 */
public record TrustRatioClamp(double min, double max) {

    public TrustRatioClamp {
        Hyperparameters.nonNegative("trust ratio clamp min", min);
        Hyperparameters.positive("trust ratio clamp max", max);
        if (min > max) {
            throw new IllegalArgumentException("trust ratio clamp min (" + min + ") must not exceed max (" + max + ")");
        }
    }

    double apply(double ratio) {
        return Math.min(max, Math.max(min, ratio));
    }
}
