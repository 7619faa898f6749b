package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.GradientNormalization;

/**
 * DL4J's per-layer gradient normalization ({@code GradientNormalization}) for the optimized tensors, applied as DL4J's
 * updater applies it: to the mean gradient of the global batch, before L1/L2 and the update step. Working on the
 * summed gradient {@code s = B g}: renormalising divides by {@code |g|} (by 1e-5 when it is 0, as DL4J does), clipping
 * to an L2 norm scales by {@code t / |g|} when {@code |g| > t}, element-wise clipping bounds each element of {@code g}
 * by {@code t}. A group is a layer ({@code ...PerLayer}) or one tensor ({@code ...PerParamType}).
 */
public final class GradientNormalizations implements Serializable {

    private static final long serialVersionUID = 1L;

    /** No tensor normalized. */
    public static final GradientNormalizations NONE = new GradientNormalizations(new int[0], new GradientNormalization[0], new double[0]);

    /** Per optimized tensor: its layer's group number, or -1. */
    private final int[] group;
    private final GradientNormalization[] mode;
    private final double[] threshold;

    /**
     * @param group     per optimized tensor, its layer's index into {@code mode}/{@code threshold}, or -1 for none
     * @param mode      per layer group
     * @param threshold per layer group (DL4J's gradientNormalizationThreshold)
     */
    public GradientNormalizations(int[] group, GradientNormalization[] mode, double[] threshold) {
        this.group = group.clone();
        this.mode = mode.clone();
        this.threshold = threshold.clone();
    }

    public boolean any() {
        return mode.length > 0;
    }

    /** Normalizes {@code sum}, the gradient summed over {@code batch} examples, laid out as {@code optimized}, in place. */
    void apply(TensorLayout optimized, float[] sum, long batch) {
        for (int gr = 0; gr < mode.length; gr++) {
            boolean perLayer = mode[gr] == GradientNormalization.RenormalizeL2PerLayer || mode[gr] == GradientNormalization.ClipL2PerLayer;
            if (mode[gr] == GradientNormalization.ClipElementWiseAbsoluteValue) {
                float bound = (float) (threshold[gr] * batch);
                for (int i = 0; i < group.length; i++) {
                    if (group[i] == gr) {
                        int from = Math.toIntExact(optimized.offset(i));
                        for (int k = from; k < from + optimized.length(i); k++) {
                            sum[k] = Math.max(-bound, Math.min(bound, sum[k]));
                        }
                    }
                }
            } else if (perLayer) {
                scale(optimized, sum, batch, gr, -1);
            } else {
                for (int i = 0; i < group.length; i++) {
                    if (group[i] == gr) {
                        scale(optimized, sum, batch, gr, i);
                    }
                }
            }
        }
    }

    /** Renormalises or clips group {@code gr}'s tensors together ({@code only} = -1) or tensor {@code only} alone. */
    private void scale(TensorLayout optimized, float[] sum, long batch, int gr, int only) {
        double squares = 0;
        for (int i = 0; i < group.length; i++) {
            if (group[i] == gr && (only < 0 || i == only)) {
                int from = Math.toIntExact(optimized.offset(i));
                for (int k = from; k < from + optimized.length(i); k++) {
                    squares += (double) sum[k] * sum[k];
                }
            }
        }
        double norm = Math.sqrt(squares) / batch; // |mean gradient|
        double factor;
        if (mode[gr] == GradientNormalization.RenormalizeL2PerLayer || mode[gr] == GradientNormalization.RenormalizeL2PerParamType) {
            factor = 1.0 / (norm == 0 ? 1e-5 : norm);
        } else if (norm > threshold[gr]) {
            factor = threshold[gr] / norm;
        } else {
            return;
        }
        for (int i = 0; i < group.length; i++) {
            if (group[i] == gr && (only < 0 || i == only)) {
                int from = Math.toIntExact(optimized.offset(i));
                for (int k = from; k < from + optimized.length(i); k++) {
                    sum[k] = (float) (sum[k] * factor);
                }
            }
        }
    }
}
