package dev.sparklamb.spark.update;

import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.kernel.DenseTensor;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.model.ParameterRoles;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The parameters, the optimizer and its state, where the update happens (the driver, or the local process): takes
 * the all-reduced gradient sum of a global batch, applies DL4J's per-layer gradient normalization and L1/L2 terms, divides by the batch size once (as the
 * optimizer's gradient scale) and applies one optimizer step per optimized tensor; then sets batch normalization's
 * running statistics from their all-reduced sums. Frozen tensors never change.
 */
public final class GlobalUpdate implements ModelState {

    private final ParameterRoles roles;
    private final Optimizer optimizer;
    private final OptimizerState state;
    private final INDArray parameters;
    private final NamedTensors parameterViews;
    private final INDArray gradient;
    private final NamedTensors gradientViews;

    public GlobalUpdate(ParameterRoles roles, float[] initialParameters, Optimizer optimizer) {
        this(roles, initialParameters, optimizer, optimizer.init(roles.optimized()));
    }

    /** All tensors optimized: a network without frozen tensors or running statistics. */
    public GlobalUpdate(TensorLayout layout, float[] initialParameters, Optimizer optimizer) {
        this(ParameterRoles.allOptimized(layout), initialParameters, optimizer);
    }

    public GlobalUpdate(ParameterRoles roles, float[] initialParameters, Optimizer optimizer, OptimizerState state) {
        TensorLayout layout = roles.full();
        if (initialParameters.length != layout.totalLength()) {
            throw new IllegalArgumentException("initial parameters have " + initialParameters.length + " values; the layout needs " + layout.totalLength());
        }
        this.roles = roles;
        this.optimizer = optimizer;
        this.state = state;
        this.parameters = Nd4j.createFromArray(initialParameters.clone());
        NamedTensors all = NamedTensors.viewsOf(layout, parameters);
        TensorLayout optimized = roles.optimized();
        List<INDArray> views = new ArrayList<>(optimized.size());
        for (int i = 0; i < optimized.size(); i++) {
            views.add(all.get(optimized.name(i)));
        }
        this.parameterViews = NamedTensors.of(optimized, views);
        this.gradient = Nd4j.createFromArray(new float[roles.optimizedLength()]);
        this.gradientViews = NamedTensors.viewsOf(optimized, gradient);
    }

    /** Applies one step from the gradient summed over {@code batchSize} examples (all tensors optimized). */
    public StepResult apply(float[] gradientSum, long batchSize) {
        return apply(new GradientPart(0, gradientSum, 0, batchSize, 0, 0), batchSize);
    }

    /**
     * Applies one step from {@code sum}, summed over {@code batchSize} examples: the gradient is divided by its
     * {@link GradientPart#lossDivisor()} (the examples, or for masked-language-model data the masked tokens), batch
     * normalization's statistics by {@code batchSize}. A non-finite gradient or statistic leaves everything unchanged and
     * throws {@link dev.sparklamb.optim.InvalidGradientException}.
     */
    public StepResult apply(GradientPart sum, long batchSize) {
        long divisor = sum.lossDivisor();
        float[] g = roles.prepareGradient(sum.gradient(), roles.hasRegularization() ? roles.gatherOptimized(parameters()) : null,
                divisor);
        float[] statistics = null;
        if (roles.hasStatistics()) {
            statistics = parameters();
            roles.statistics().apply(sum.statistics(), batchSize, statistics);
            roles.statistics().requireFinite(statistics);
        }
        DenseTensor.of(gradient, "gradient", "gradient").write(0, g, g.length);
        StepResult result = optimizer.step(parameterViews, gradientViews, 1.0 / divisor, state);
        if (statistics != null) {
            float[] updated = parameters();
            roles.statistics().copy(statistics, updated);
            DenseTensor.of(parameters, "parameters", "parameter").write(0, updated, updated.length);
        }
        return result;
    }

    /** The rate the schedule gives for the next step. */
    public double learningRate() {
        return optimizer.config().learningRate().rate(state.step());
    }

    /** A copy of the current parameters (all tensors). */
    public float[] parameters() {
        return parameters.data().asFloat(); // asFloat() already returns a copy
    }

    public OptimizerState state() {
        return state;
    }

    /** The whole network's layout (the optimizer state covers {@link ParameterRoles#optimized()}). */
    public TensorLayout layout() {
        return roles.full();
    }
}
