package dev.sparklamb.optim;

import java.util.Optional;

/**
 * Layer adaptation as LARS (You, Gitman and Ginsburg, 2017) and LAMB (You et al., ICLR 2020) use it: a tensor's step
 * size is the learning rate times {@link TrustRatio its trust ratio} {@code eta |w| / |u|}, optionally clamped.
 *
 * @param trustCoefficient {@code eta}
 */
record LayerAdaptation(double trustCoefficient, Optional<TrustRatioClamp> clamp) {

    /** The trust ratio of a tensor with these norms (1 when either is zero, then clamped). */
    double ratio(double parameterNorm, double updateNorm) {
        return TrustRatio.of(parameterNorm, updateNorm, trustCoefficient, clamp);
    }
}
