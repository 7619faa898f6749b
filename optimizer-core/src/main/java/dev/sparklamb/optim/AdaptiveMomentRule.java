package dev.sparklamb.optim;

import java.util.Optional;

/**
 * The update of Adam (Kingma and Ba, ICLR 2015), AdamW (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019) and LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes", ICLR 2020, Algorithm 2): bias-corrected moments, weight decay either coupled into the gradient (Adam's L2)
 * or added to the update (AdamW, LAMB), and for LAMB the layer-wise trust ratio.
 *
 * @param decay           where the per-tensor weight decay enters
 * @param layerAdaptation LAMB's trust ratio; empty for Adam and AdamW
 */
record AdaptiveMomentRule(double beta1, double beta2, double epsilon, boolean biasCorrection, Decay decay,
                          Optional<LayerAdaptation> layerAdaptation) implements UpdateRule {

    /** Where weight decay {@code wd} enters the update. */
    enum Decay {
        /** L2 regularisation: {@code g + wd w} before the moments (Adam, as {@code torch.optim.Adam}). */
        COUPLED,
        /** Decoupled: {@code u = m^ / (sqrt(v^) + eps) + wd w} (AdamW, LAMB). */
        DECOUPLED
    }

    @Override
    public boolean hasSecondMoment() {
        return true;
    }

    @Override
    public MomentCoefficients coefficients(long t, float gradScale, double weightDecay) {
        return MomentCoefficients.of(gradScale, decay == Decay.COUPLED ? weightDecay : 0, beta1, beta2, correction(beta1, t),
                correction(beta2, t), epsilon, decay == Decay.DECOUPLED ? weightDecay : 0);
    }

    /** {@code 1 / (1 - beta^t)}, or 1 without bias correction. */
    private double correction(double beta, long t) {
        return biasCorrection ? 1.0 / (1.0 - Math.pow(beta, t)) : 1.0;
    }
}
