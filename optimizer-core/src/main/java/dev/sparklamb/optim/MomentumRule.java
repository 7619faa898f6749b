package dev.sparklamb.optim;

import java.util.Optional;

/**
 * The update of LARS (You, Gitman and Ginsburg, "Large Batch Training of Convolutional Networks", 2017), as
 * Algorithm 1 of You et al. (ICLR 2020) states it: {@code m = b m + (1-b)(g + wd w)}, then the trust ratio
 * {@code eta |w| / |m|} scales the learning rate. Weight decay is inside the momentum.
 */
record MomentumRule(double momentum, LayerAdaptation adaptation) implements UpdateRule {

    @Override
    public boolean hasSecondMoment() {
        return false;
    }

    @Override
    public Optional<LayerAdaptation> layerAdaptation() {
        return Optional.of(adaptation);
    }

    @Override
    public MomentumCoefficients coefficients(long t, float gradScale, double weightDecay) {
        return new MomentumCoefficients(gradScale, (float) momentum, (float) (1.0 - momentum), (float) weightDecay);
    }
}
