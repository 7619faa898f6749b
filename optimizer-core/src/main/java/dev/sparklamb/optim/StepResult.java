package dev.sparklamb.optim;

/**
 * What one optimizer step did, for metrics and logs.
 *
 * @param step           the 1-based number of the step just applied ({@code t})
 * @param learningRate   the rate the schedule gave for it
 * @param gradientNorm   global L2 norm of the (scaled) gradient, before clipping
 * @param clipScale      factor the gradient was multiplied by for clipping; 1 when not clipped
 * @param layout         the tensors the arrays below refer to
 * @param trustRatios    per tensor, the ratio applied (1 for tensors without layer adaptation, and for optimizers
 *                       without it)
 * @param parameterNorms per tensor, |w| before the step (NaN where the optimizer did not need it)
 * @param updateNorms    per tensor, |u| (NaN where the optimizer did not need it)
 */
public record StepResult(
        long step,
        double learningRate,
        double gradientNorm,
        double clipScale,
        TensorLayout layout,
        double[] trustRatios,
        double[] parameterNorms,
        double[] updateNorms) {

    /** Index of the tensor with the smallest trust ratio (first one on ties). */
    public int minTrustRatioTensor() {
        int best = 0;
        for (int i = 1; i < trustRatios.length; i++) {
            if (trustRatios[i] < trustRatios[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Index of the tensor with the largest trust ratio (first one on ties). */
    public int maxTrustRatioTensor() {
        int best = 0;
        for (int i = 1; i < trustRatios.length; i++) {
            if (trustRatios[i] > trustRatios[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Median of the per-tensor trust ratios (the mean of the middle two for an even count). */
    public double medianTrustRatio() {
        double[] sorted = trustRatios.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
