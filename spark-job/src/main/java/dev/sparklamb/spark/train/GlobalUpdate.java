package dev.sparklamb.spark.train;

import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.kernel.DenseTensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The parameters, the optimizer and its state, where the update happens (the driver, or the local process): takes
 * the all-reduced gradient sum of a global batch, divides by the batch size once (as the optimizer's gradient
 * scale) and applies one optimizer step per tensor.
 */
public final class GlobalUpdate implements TrainingState {

    private final TensorLayout layout;
    private final Optimizer optimizer;
    private final OptimizerState state;
    private final INDArray parameters;
    private final NamedTensors parameterViews;
    private final INDArray gradient;
    private final NamedTensors gradientViews;

    public GlobalUpdate(TensorLayout layout, float[] initialParameters, Optimizer optimizer) {
        this(layout, initialParameters, optimizer, optimizer.init(layout));
    }

    public GlobalUpdate(TensorLayout layout, float[] initialParameters, Optimizer optimizer, OptimizerState state) {
        if (initialParameters.length != layout.totalLength()) {
            throw new IllegalArgumentException("initial parameters have " + initialParameters.length + " values; the layout needs " + layout.totalLength());
        }
        this.layout = layout;
        this.optimizer = optimizer;
        this.state = state;
        this.parameters = Nd4j.createFromArray(initialParameters.clone());
        this.parameterViews = NamedTensors.viewsOf(layout, parameters);
        this.gradient = Nd4j.createFromArray(new float[initialParameters.length]);
        this.gradientViews = NamedTensors.viewsOf(layout, gradient);
    }

    /** Applies one step from the gradient summed over {@code batchSize} examples. */
    public StepResult apply(float[] gradientSum, long batchSize) {
        DenseTensor.of(gradient, "gradient", "gradient").write(0, gradientSum, gradientSum.length);
        return optimizer.step(parameterViews, gradientViews, 1.0 / batchSize, state);
    }

    /** The rate the schedule gives for the next step. */
    public double learningRate() {
        return optimizer.config().learningRate().rate(state.step());
    }

    /** A copy of the current parameters. */
    public float[] parameters() {
        return parameters.data().asFloat(); // asFloat() already returns a copy
    }

    public OptimizerState state() {
        return state;
    }

    public TensorLayout layout() {
        return layout;
    }
}
