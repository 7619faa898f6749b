package dev.sparklamb.optim;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-tensor step sizes ({@code lr * trust ratio}) for the second pass, and the step's {@link StepResult}. Made the
 * same way by both drivers: {@link #fromNorms} for rules with layer adaptation, {@link #uniform} for the others.
 */
public final class StepSizes implements Serializable {
    private static final long serialVersionUID = 2L;

    final float[] sizes;
    private final transient StepResult result;

    private StepSizes(float[] sizes, StepResult result) {
        this.sizes = sizes;
        this.result = result;
    }

    /**
     * Trust ratios from per-tensor sums of squares of {@code w} and {@code u}: ratio 1 for tensors that are not
     * {@link TensorFacts#adapted adapted}, else {@link LayerAdaptation#ratio} (1 for a zero norm, then the clamp).
     */
    static StepSizes fromNorms(Coefficients k, TensorLayout layout, TensorFacts facts, LayerAdaptation adaptation, double[] parameterSquares,
                               double[] updateSquares) {
        int n = layout.size();
        double[] ratios = new double[n];
        boolean[] adapted = new boolean[n];
        double[] wNorms = new double[n];
        double[] uNorms = new double[n];
        Arrays.fill(ratios, 1.0);
        float[] sizes = new float[n];
        for (int i = 0; i < n; i++) {
            wNorms[i] = Math.sqrt(parameterSquares[i]);
            uNorms[i] = Math.sqrt(updateSquares[i]);
            if (facts.adapted(i)) {
                adapted[i] = true;
                ratios[i] = adaptation.ratio(wNorms[i], uNorms[i]);
            }
            sizes[i] = (float) (k.learningRate * ratios[i]);
        }
        return new StepSizes(sizes, new StepResult(k.step, k.learningRate, k.gradientNorm, k.clipScale, layout, ratios, wNorms, uNorms,
                adapted));
    }

    /** The learning rate for every tensor (no trust ratios: all 1, norms not computed). */
    static StepSizes uniform(Coefficients k, TensorLayout layout) {
        int n = layout.size();
        double[] ratios = new double[n];
        double[] nan = new double[n];
        Arrays.fill(ratios, 1.0);
        Arrays.fill(nan, Double.NaN);
        float[] sizes = new float[n];
        Arrays.fill(sizes, (float) k.learningRate);
        return new StepSizes(sizes, new StepResult(k.step, k.learningRate, k.gradientNorm, k.clipScale, layout, ratios, nan, nan.clone(),
                new boolean[n]));
    }

    /** Available on the coordinator only. */
    public StepResult result() {
        return result;
    }

    float size(int tensor) {
        return sizes[tensor];
    }
}
