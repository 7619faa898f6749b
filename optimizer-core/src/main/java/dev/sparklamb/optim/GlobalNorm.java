package dev.sparklamb.optim;

import java.util.OptionalDouble;
import java.util.function.IntFunction;

/**
 * The global gradient norm and the clipping factor, from per-tensor sums of squares, the same for every rule and both
 * drivers (global-norm clipping as in NVIDIA's NVLAMB pre-normalisation and {@code torch.nn.utils.clip_grad_norm_}).
 *
 * @param norm           global L2 norm of {@code gradientScale * g}
 * @param clipScale      1, or {@code maxNorm / norm} when clipping applies
 * @param effectiveScale what each gradient element is multiplied by: {@code gradientScale * clipScale}, in float32
 */
record GlobalNorm(double norm, double clipScale, float effectiveScale) {

    /** Fails unless {@code gradientScale} is finite and > 0. */
    static void requireValidScale(double gradientScale) {
        if (!(gradientScale > 0) || Double.isInfinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be a finite number > 0, got " + gradientScale);
        }
    }

    /**
     * @param perTensorSquares sums of squares of the unscaled gradient, per tensor (summed in chunk order)
     * @param nonFinite        the exception for the first tensor (in layout order) whose sum is not finite
     * @throws InvalidGradientException when a tensor's sum is NaN or infinite
     */
    static GlobalNorm of(double[] perTensorSquares, double gradientScale, OptionalDouble maxNorm,
                         IntFunction<InvalidGradientException> nonFinite) {
        double sum = 0;
        for (int i = 0; i < perTensorSquares.length; i++) {
            if (!Double.isFinite(perTensorSquares[i])) {
                throw nonFinite.apply(i);
            }
            sum += perTensorSquares[i];
        }
        double norm = Math.sqrt(sum) * gradientScale;
        double clip = 1.0;
        if (maxNorm.isPresent() && norm > maxNorm.getAsDouble()) {
            clip = maxNorm.getAsDouble() / norm;
        }
        return new GlobalNorm(norm, clip, (float) (gradientScale * clip));
    }

    /** A step without clipping whose norm is not known (yet): {@link #of}'s scale when the norm is within the limit. */
    static GlobalNorm unclipped(double gradientScale) {
        requireValidScale(gradientScale);
        return new GlobalNorm(Double.NaN, 1.0, (float) (gradientScale * 1.0));
    }
}
