package dev.sparklamb.optim;

import java.util.Optional;

/**
 * One optimizer family's update, written once as small pure steps in the manner of an optax chain, and run by either
 * driver ({@link LocalOptimizer} on one machine, {@link ShardedStep} across shard owners):
 * <ol>
 *   <li>{@link #coefficients}: the coefficients of one tensor for step {@code t} (after gradient scaling and clipping,
 *       which {@link GlobalNorm} does for every rule);</li>
 *   <li>{@link TensorStep#updateMoments}: the first pass over a chunk, updating the moments and leaving the update
 *       direction {@code u} whose chunk sums of squares, with those of {@code w}, the drivers collect;</li>
 *   <li>{@link #layerAdaptation}: per-tensor step sizes from the norms ({@link StepSizes#fromNorms}); absent for
 *       rules whose step size is the learning rate, which then take a single pass
 *       ({@link TensorStep#updateAndApply});</li>
 *   <li>{@link TensorStep#applyUpdate}: the second pass, moving the parameters.</li>
 * </ol>
 * Implementations: {@link AdaptiveMomentRule} (Adam, AdamW, LAMB) and {@link MomentumRule} (LARS).
 */
interface UpdateRule {

    /** Whether the optimizer state keeps a second moment besides the first. */
    boolean hasSecondMoment();

    /** The trust ratio that turns norms into step sizes; when present, a step takes two passes. */
    Optional<LayerAdaptation> layerAdaptation();

    /**
     * The coefficients of one tensor at step {@code t} (1-based).
     *
     * @param gradScale   what each gradient element is multiplied by (gradient scale times clip factor); kept as is
     *                    in the result and used in no other coefficient, so {@link TensorStep#withGradScale} gives the
     *                    coefficients of another scale
     * @param weightDecay this tensor's weight-decay coefficient ({@link TensorFacts#weightDecay}), applied the way the
     *                    rule applies weight decay
     */
    TensorStep coefficients(long t, float gradScale, double weightDecay);
}
