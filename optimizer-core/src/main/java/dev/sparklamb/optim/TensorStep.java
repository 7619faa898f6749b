package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor.Scratch;
import java.io.Serializable;

/**
 * One tensor's coefficients for one step of an {@link UpdateRule}, with the rule's element passes over one chunk of
 * that tensor. The passes are pure functions of the chunk copies in the {@link Scratch}: {@code a} the gradient,
 * {@code b} the parameters, {@code c} the first moment, {@code d} the second moment (rules that keep one), {@code e}
 * free. Serializable, so a coordinator can send them to shard owners.
 */
interface TensorStep extends Serializable {

    /**
     * The first pass: updates the moments ({@code c}, {@code d}) in place from {@code a} and {@code b}, and returns the
     * scratch array that then holds the update direction {@code u} whose norm the trust ratio uses.
     */
    float[] updateMoments(Scratch s, int n);

    /** The second pass: {@code b -= stepSize * u}, with {@code u} taken from the already updated moments. */
    void applyUpdate(float stepSize, Scratch s, int n);

    /** Both passes at once, for rules whose step size does not depend on norms. */
    void updateAndApply(float stepSize, Scratch s, int n);

    /**
     * These coefficients with {@code gradScale} as the gradient scale: what the rule's
     * {@link UpdateRule#coefficients} gives for that scale, at the same step and weight decay (the scale enters no other
     * coefficient). Lets a shard owner make its first pass's coefficients once it knows the step's loss divisor
     * ({@link UnclippedCoefficients}).
     */
    TensorStep withGradScale(float gradScale);
}
