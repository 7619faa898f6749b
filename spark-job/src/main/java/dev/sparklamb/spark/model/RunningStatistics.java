package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import java.io.Serializable;

/**
 * Batch normalization's running mean and variance in a network's flat parameter vector: state that DL4J updates as a
 * moving average, never by gradient. How a step's micro-batches contribute to it ({@link #add}) and how the summed
 * contributions become the new values ({@link #apply}): DL4J's own moving-average update with the example-weighted mean
 * of the micro-batches' statistics, in the variance domain.
 */
public final class RunningStatistics implements Serializable {

    private static final long serialVersionUID = 1L;

    private final TensorLayout full;
    private final int[] index;
    private final ParameterRoles.StatisticKind[] kinds;

    RunningStatistics(TensorLayout full, int[] index, ParameterRoles.StatisticKind[] kinds) {
        this.full = full;
        this.index = index.clone();
        this.kinds = kinds.clone();
    }

    /**
     * Adds one micro-batch's contribution to the running statistics: {@code examples} times the value DL4J's own step
     * on that micro-batch would have set ({@code parameter - change}, DL4J's "gradient" of a statistics tensor being
     * the change it applies with a no-op updater), in the linear domain (variance, not log10 of the standard
     * deviation). Summed over the micro-batches of the global batch and divided by its size (in
     * {@link #apply}), this is DL4J's moving-average update with the example-weighted mean of the
     * micro-batches' mean and variance.
     */
    public void add(float[] parameters, float[] change, int examples, float[] sum) {
        int at = 0;
        for (int s = 0; s < index.length; s++) {
            int i = index[s];
            int from = Math.toIntExact(full.offset(i));
            int n = full.length(i);
            for (int k = 0; k < n; k++) {
                double next = (double) parameters[from + k] - change[from + k];
                double linear = kinds[s] == ParameterRoles.StatisticKind.LOG10_STD ? Math.pow(10.0, 2 * next) : next;
                sum[at + k] += (float) (examples * linear);
            }
            at += n;
        }
    }

    /**
     * Sets the statistics tensors of {@code fullVector} from the sums of {@link #add} over {@code examples}
     * examples.
     */
    public void apply(float[] sum, long examples, float[] fullVector) {
        int at = 0;
        for (int s = 0; s < index.length; s++) {
            int i = index[s];
            int from = Math.toIntExact(full.offset(i));
            int n = full.length(i);
            for (int k = 0; k < n; k++) {
                double linear = (double) sum[at + k] / examples;
                fullVector[from + k] = (float) (kinds[s] == ParameterRoles.StatisticKind.LOG10_STD ? 0.5 * Math.log10(linear) : linear);
            }
            at += n;
        }
    }

    /**
     * Fails with {@link dev.sparklamb.optim.InvalidGradientException} naming the first statistics tensor of
     * {@code fullVector} with a non-finite value.
     */
    public void requireFinite(float[] fullVector) {
        for (int i : index) {
            int from = Math.toIntExact(full.offset(i));
            for (int k = 0; k < full.length(i); k++) {
                if (!Float.isFinite(fullVector[from + k])) {
                    throw new dev.sparklamb.optim.InvalidGradientException(full.name(i), k, fullVector[from + k]);
                }
            }
        }
    }

    /** Copies the statistics tensors from one full vector into another. */
    public void copy(float[] source, float[] target) {
        for (int i : index) {
            int from = Math.toIntExact(full.offset(i));
            System.arraycopy(source, from, target, from, full.length(i));
        }
    }

}
