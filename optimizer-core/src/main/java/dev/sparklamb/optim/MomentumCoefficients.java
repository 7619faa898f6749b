package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor.Scratch;

/**
 * The LARS coefficients of one tensor at one step (You, Gitman and Ginsburg, "Large Batch Training of Convolutional
 * Networks", 2017, in the form of Algorithm 1 of You et al., ICLR 2020): {@code m = beta m + (1 - beta)(gradScale g +
 * decay w)}, and the {@link Kernels} loops that use them. The update direction is the momentum itself. Made by
 * {@link MomentumRule#coefficients}.
 */
record MomentumCoefficients(float gradScale, float beta, float oneMinusBeta, float decay) implements TensorStep {

    @Override
    public MomentumCoefficients withGradScale(float scale) {
        return new MomentumCoefficients(scale, beta, oneMinusBeta, decay);
    }

    @Override
    public float[] updateMoments(Scratch s, int n) {
        Kernels.updateMomentum(gradScale, beta, oneMinusBeta, decay, s.a, s.b, s.c, n);
        return s.c;
    }

    @Override
    public void applyUpdate(float stepSize, Scratch s, int n) {
        Kernels.applyMomentum(stepSize, s.b, s.c, n);
    }

    @Override
    public void updateAndApply(float stepSize, Scratch s, int n) {
        updateMoments(s, n);
        applyUpdate(stepSize, s, n);
    }
}
