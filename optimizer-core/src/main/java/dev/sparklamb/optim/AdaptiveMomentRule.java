package dev.sparklamb.optim;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The one update rule behind Adam, AdamW and LAMB (they differ only in these switches), in the chain form of optax:
 * scale by Adam, add decayed weights (masked), scale by trust ratio (masked, optional), scale by learning rate.
 *
 * @param coupledWeightDecay   L2 term added to the gradient before the moments (Adam)
 * @param decoupledWeightDecay term added to the update after the moments (AdamW, LAMB)
 * @param layerAdaptation      whether the trust ratio is applied at all (LAMB)
 */
record AdaptiveMomentRule(
        double beta1,
        double beta2,
        double epsilon,
        boolean biasCorrection,
        double coupledWeightDecay,
        double decoupledWeightDecay,
        List<String> excludeFromWeightDecay,
        boolean layerAdaptation,
        List<String> excludeFromLayerAdaptation,
        Optional<TrustRatioClamp> trustRatioClamp,
        double trustCoefficient,
        OptionalDouble maxGradientNorm) {

    /** {@code 1 / (1 - beta^t)}, or 1 without bias correction. */
    double correction(double beta, long t) {
        return biasCorrection ? 1.0 / (1.0 - Math.pow(beta, t)) : 1.0;
    }
}
