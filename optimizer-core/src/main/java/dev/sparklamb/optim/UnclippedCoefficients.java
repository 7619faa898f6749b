package dev.sparklamb.optim;

import java.io.Serializable;

/**
 * The coefficients of one unclipped step for any gradient scale, made before the scale is known. A shard owner runs
 * the first pass of LAMB or LARS while it sums its shard of the gradient ({@link ShardedStep}); the step's gradient
 * scale (1 / its loss divisor: the global batch, or for masked-language-model data the masked tokens of all
 * partitions) is known there only after that sum, so the coordinator sends this instead of fixed coefficients, and the
 * owner calls {@link #forScale} with the divisor it has just summed. The coordinator makes the same call with the same
 * divisor to compare the result with the step's real coefficients ({@link Coefficients#samePasses}). Serializable,
 * and a few numbers per tensor.
 */
public final class UnclippedCoefficients implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The step's coefficients at gradient scale 1; every other scale only replaces each tensor's scale. */
    private final Coefficients atUnitScale;

    UnclippedCoefficients(Coefficients atUnitScale) {
        this.atUnitScale = atUnitScale;
    }

    /**
     * What {@link ShardedStep#unclippedCoefficients} gives for {@code gradientScale} at the same step, bitwise.
     *
     * @throws IllegalArgumentException unless {@code gradientScale} is finite and > 0
     */
    public Coefficients forScale(double gradientScale) {
        return atUnitScale.withNorm(GlobalNorm.unclipped(gradientScale));
    }
}
