package dev.sparklamb.optim;

/**
 * A stateful-update optimizer over named tensors, in the {@code init}/{@code update} form of optax: the optimizer
 * holds only hyperparameters; everything that changes lives in the {@link OptimizerState} passed in.
 *
 * <p>A step either fully succeeds or changes nothing: a gradient whose tensor names or shapes do not match the
 * parameters, or that contains NaN/Inf, is rejected before any parameter or state element is written.
 */
public interface Optimizer {

    OptimizerConfig config();

    /** Fresh state (zero moments, step 0) for parameters of this layout. */
    OptimizerState init(TensorLayout layout);

    /**
     * Applies one step in place: updates {@code params} and {@code state}. {@code gradients} are read only.
     *
     * @param gradientScale multiplies every gradient element before use, e.g. {@code 1 / B} to turn a summed
     *                      gradient over a global batch of B examples into the mean; finite and > 0
     */
    StepResult step(NamedTensors params, NamedTensors gradients, double gradientScale, OptimizerState state);

    /** {@link #step(NamedTensors, NamedTensors, double, OptimizerState)} with gradient scale 1. */
    default StepResult step(NamedTensors params, NamedTensors gradients, OptimizerState state) {
        return step(params, gradients, 1.0, state);
    }
}
