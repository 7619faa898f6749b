package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor.Scratch;

/**
 * The Adam-family coefficients of one tensor at one step (Kingma and Ba, "Adam: A Method for Stochastic
 * Optimization", ICLR 2015), rounded to float32 once, and the {@link Kernels} loops that use them. Made by
 * {@link AdaptiveMomentRule#coefficients}.
 *
 * @param gradScale      what each gradient element is multiplied by (gradient scale times clip factor)
 * @param coupledDecay   L2 term added to the gradient before the moments (Adam); 0 otherwise
 * @param correction1    {@code 1 / (1 - beta1^t)}, or 1 without bias correction
 * @param correction2    {@code 1 / (1 - beta2^t)}, or 1 without bias correction
 * @param decoupledDecay term added to the update after the moments (AdamW, LAMB); 0 otherwise
 */
record MomentCoefficients(float gradScale, float coupledDecay, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                          float correction1, float correction2, float epsilon, float decoupledDecay) implements TensorStep {

    /** Rounds each coefficient to float32 once; {@code 1 - beta} is formed in double first (1f - 0.999f is not 0.001). */
    static MomentCoefficients of(double gradScale, double coupledDecay, double beta1, double beta2, double correction1,
                                 double correction2, double epsilon, double decoupledDecay) {
        return new MomentCoefficients((float) gradScale, (float) coupledDecay, (float) beta1, (float) beta2, (float) (1.0 - beta1),
                (float) (1.0 - beta2), (float) correction1, (float) correction2, (float) epsilon, (float) decoupledDecay);
    }

    @Override
    public MomentCoefficients withGradScale(float scale) {
        return new MomentCoefficients(scale, coupledDecay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, correction1, correction2, epsilon,
                decoupledDecay);
    }

    @Override
    public float[] updateMoments(Scratch s, int n) {
        Kernels.updateMoments(this, s.a, s.b, s.c, s.d, s.e, n);
        return s.e;
    }

    @Override
    public void applyUpdate(float stepSize, Scratch s, int n) {
        Kernels.applyUpdate(this, stepSize, s.b, s.c, s.d, n);
    }

    @Override
    public void updateAndApply(float stepSize, Scratch s, int n) {
        Kernels.updateMomentsAndApply(this, stepSize, s.a, s.b, s.c, s.d, n);
    }
}
