package dev.sparklamb.optim;

import java.io.Serializable;

/**
 * Everything the passes of one step need, a few numbers per tensor: the step number, the learning rate, the gradient
 * norm and clip factor, and each tensor's {@link TensorStep}. Serializable: the {@link ShardedStep} coordinator sends
 * it to the shard owners; {@link LocalOptimizer} uses the same object locally.
 */
public final class Coefficients implements Serializable {
    private static final long serialVersionUID = 2L;

    final long step;
    final double learningRate;
    final double gradientNorm;
    final double clipScale;
    final TensorStep[] tensors;
    final boolean secondMoment;
    final boolean twoPass;

    private Coefficients(long step, double learningRate, GlobalNorm norm, TensorStep[] tensors, boolean secondMoment, boolean twoPass) {
        this.step = step;
        this.learningRate = learningRate;
        this.gradientNorm = norm.norm();
        this.clipScale = norm.clipScale();
        this.tensors = tensors;
        this.secondMoment = secondMoment;
        this.twoPass = twoPass;
    }

    /** The coefficients of step {@code completedSteps + 1} of {@code rule} on the tensors described by {@code facts}. */
    static Coefficients of(UpdateRule rule, TensorFacts facts, GlobalNorm norm, long completedSteps, double learningRate) {
        long t = completedSteps + 1;
        TensorStep[] tensors = new TensorStep[facts.size()];
        for (int i = 0; i < tensors.length; i++) {
            tensors[i] = rule.coefficients(t, norm.effectiveScale(), facts.weightDecay(i));
        }
        return new Coefficients(t, learningRate, norm, tensors, rule.hasSecondMoment(), rule.layerAdaptation().isPresent());
    }

    /**
     * The same step with the gradient scale and clip factor of {@code norm}: every tensor's coefficients with
     * {@code norm.effectiveScale()} ({@link TensorStep#withGradScale}); what {@link #of} gives for {@code norm}.
     */
    Coefficients withNorm(GlobalNorm norm) {
        TensorStep[] scaled = new TensorStep[tensors.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = tensors[i].withGradScale(norm.effectiveScale());
        }
        return new Coefficients(step, learningRate, norm, scaled, secondMoment, twoPass);
    }

    /** The 1-based number of the step these coefficients are for. */
    public long step() {
        return step;
    }

    public double learningRate() {
        return learningRate;
    }

    /**
     * Whether the element passes of these coefficients are exactly those of {@code other}: same step and the same
     * per-tensor coefficients (float32 values compared exactly), so both give bitwise the same moments and update
     * directions; the norm and learning rate may differ.
     */
    public boolean samePasses(Coefficients other) {
        return step == other.step && secondMoment == other.secondMoment && twoPass == other.twoPass
                && java.util.Arrays.equals(tensors, other.tensors);
    }

    TensorStep tensor(int i) {
        return tensors[i];
    }
}
