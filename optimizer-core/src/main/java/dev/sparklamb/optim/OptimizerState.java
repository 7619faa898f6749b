package dev.sparklamb.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything an optimizer carries between steps: the number of completed steps and, per tensor, its moments
 * (Adam family: first and second moment {@code m}, {@code v}; LARS: the momentum buffer as first moment and no second
 * moment). Moments are float32, in the memory order of the parameter arrays. Saved and restored with
 * {@link OptimizerStateCodec}.
 */
public final class OptimizerState {

    private final String optimizer;
    private final TensorLayout layout;
    private long step;
    private final float[][] firstMoment;
    private final float[][] secondMoment;

    /**
     * @param secondMoment null when the optimizer keeps no second moment
     */
    public OptimizerState(String optimizer, TensorLayout layout, long step, float[][] firstMoment, float[][] secondMoment) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.layout = Objects.requireNonNull(layout, "layout");
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        this.step = step;
        this.firstMoment = checkLengths(layout, Objects.requireNonNull(firstMoment, "firstMoment"), "first moment");
        this.secondMoment = secondMoment == null ? null : checkLengths(layout, secondMoment, "second moment");
    }

    /** Zero moments at step 0. */
    public static OptimizerState zeros(String optimizer, TensorLayout layout, boolean withSecondMoment) {
        return new OptimizerState(optimizer, layout, 0, zeroArrays(layout), withSecondMoment ? zeroArrays(layout) : null);
    }

    private static float[][] zeroArrays(TensorLayout layout) {
        float[][] a = new float[layout.size()][];
        for (int i = 0; i < layout.size(); i++) {
            a[i] = new float[layout.length(i)];
        }
        return a;
    }

    private static float[][] checkLengths(TensorLayout layout, float[][] arrays, String what) {
        if (arrays.length != layout.size()) {
            throw new IllegalArgumentException(what + ": " + arrays.length + " tensors given, layout has " + layout.size());
        }
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] == null || arrays[i].length != layout.length(i)) {
                throw new IllegalArgumentException(what + " of tensor '" + layout.name(i) + "' has "
                        + (arrays[i] == null ? "no array" : arrays[i].length + " elements") + ", expected " + layout.length(i));
            }
        }
        return arrays;
    }

    /** The optimizer this state belongs to ({@link OptimizerConfig#name()}). */
    public String optimizer() {
        return optimizer;
    }

    public TensorLayout layout() {
        return layout;
    }

    /** Number of completed steps. */
    public long step() {
        return step;
    }

    public boolean hasSecondMoment() {
        return secondMoment != null;
    }

    /** A copy of tensor {@code i}'s first moment (momentum for LARS). */
    public float[] firstMoment(int i) {
        return firstMoment[i].clone();
    }

    /** A copy of tensor {@code i}'s second moment; fails if the optimizer keeps none. */
    public float[] secondMoment(int i) {
        if (secondMoment == null) {
            throw new IllegalStateException(optimizer + " keeps no second moment");
        }
        return secondMoment[i].clone();
    }

    /** A deep copy. */
    public OptimizerState copy() {
        return new OptimizerState(optimizer, layout, step, deepCopy(firstMoment), secondMoment == null ? null : deepCopy(secondMoment));
    }

    private static float[][] deepCopy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    float[] first(int i) {
        return firstMoment[i];
    }

    float[] second(int i) {
        return secondMoment[i];
    }

    void advance() {
        step++;
    }

    /**
     * Fails unless this state was made by {@code optimizerName} for exactly {@code params}' tensors.
     */
    void requireCompatible(String optimizerName, boolean withSecondMoment, TensorLayout params) {
        if (!optimizer.equals(optimizerName)) {
            throw new IllegalArgumentException("optimizer state belongs to '" + optimizer + "' but the optimizer is '" + optimizerName + "'");
        }
        if (hasSecondMoment() != withSecondMoment) {
            throw new IllegalArgumentException("optimizer state for '" + optimizer + "' " + (hasSecondMoment() ? "has" : "lacks")
                    + " a second moment, but " + optimizerName + (withSecondMoment ? " needs one" : " keeps none"));
        }
        params.requireSameAs(layout, "optimizer state");
    }

    /** Whether the named optimizer keeps a second moment (all but LARS). */
    static boolean keepsSecondMoment(String optimizerName) {
        return !optimizerName.equals("lars");
    }

    /** Bitwise equality of step, layout and every moment element. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OptimizerState s)) {
            return false;
        }
        return s.optimizer.equals(optimizer) && s.layout.equals(layout) && s.step == step
                && Arrays.deepEquals(s.firstMoment, firstMoment) && Arrays.deepEquals(s.secondMoment, secondMoment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(optimizer, layout, step);
    }

    @Override
    public String toString() {
        return "OptimizerState[" + optimizer + ", step " + step + ", " + layout.size() + " tensors]";
    }
}
