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
 * @param adapted        per tensor, whether a layer-wise trust ratio was applied (false for excluded tensors and for
 *                       optimizers without layer adaptation)
 */
public record StepResult(
        long step,
        double learningRate,
        double gradientNorm,
        double clipScale,
        TensorLayout layout,
        double[] trustRatios,
        double[] parameterNorms,
        double[] updateNorms,
        boolean[] adapted) {

    /** A result in which no tensor had layer adaptation. */
    public StepResult(long step, double learningRate, double gradientNorm, double clipScale, TensorLayout layout,
                      double[] trustRatios, double[] parameterNorms, double[] updateNorms) {
        this(step, learningRate, gradientNorm, clipScale, layout, trustRatios, parameterNorms, updateNorms,
                new boolean[trustRatios.length]);
    }

    /**
     * Index of the tensor with the smallest trust ratio (first one on ties), among the adapted tensors when there
     * are any (the fixed ratio 1 of excluded tensors says nothing), else among all.
     */
    public int minTrustRatioTensor() {
        return extreme(-1);
    }

    /** Index of the tensor with the largest trust ratio, with the same rule as {@link #minTrustRatioTensor()}. */
    public int maxTrustRatioTensor() {
        return extreme(1);
    }

    private int extreme(int sign) {
        boolean any = anyAdapted();
        int best = -1;
        for (int i = 0; i < trustRatios.length; i++) {
            if (any && !adapted[i]) {
                continue;
            }
            if (best < 0 || sign * Double.compare(trustRatios[i], trustRatios[best]) > 0) {
                best = i;
            }
        }
        return best;
    }

    private boolean anyAdapted() {
        for (boolean a : adapted) {
            if (a) {
                return true;
            }
        }
        return false;
    }

    /** Median trust ratio (mean of the middle two for an even count), over the same tensors as the extremes. */
    public double medianTrustRatio() {
        boolean any = anyAdapted();
        double[] sorted = java.util.stream.IntStream.range(0, trustRatios.length).filter(i -> !any || adapted[i])
                .mapToDouble(i -> trustRatios[i]).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
