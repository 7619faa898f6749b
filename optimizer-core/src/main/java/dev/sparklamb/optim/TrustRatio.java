package dev.sparklamb.optim;

import java.util.Optional;

/**
 * The layer-wise trust ratio of LARS and LAMB (You et al., 2017; ICLR 2020): {@code eta |w| / |u|}, defined as
 * exactly 1 when either norm is zero (a freshly zero-initialised tensor, or a tensor with no update), then bounded
 * by the optional clamp. Nothing else clamps or rescales it.
 */
public final class TrustRatio {

    private TrustRatio() {
    }

    public static double of(double parameterNorm, double updateNorm, double trustCoefficient, Optional<TrustRatioClamp> clamp) {
        double ratio = parameterNorm > 0 && updateNorm > 0 ? trustCoefficient * parameterNorm / updateNorm : 1.0;
        return clamp.map(c -> c.apply(ratio)).orElse(ratio);
    }
}
