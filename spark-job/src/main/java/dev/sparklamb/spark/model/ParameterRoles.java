package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What each tensor of a network's flat parameter vector is to the trainer, decided once on the driver by
 * {@link NetworkCheck}:
 * <ul>
 *   <li><b>optimized</b>: trained by the optimizer from the all-reduced gradient (with DL4J's L1/L2 terms added to it);</li>
 *   <li><b>statistics</b>: batch normalization's running mean and variance (DL4J stores {@code log10} of the standard
 *       deviation by default), which DL4J updates as moving averages, not by gradient: never given to the optimizer;</li>
 *   <li><b>frozen</b>: never changed (DL4J's {@code FrozenLayer}, {@code FrozenLayerWithBackprop},
 *       {@code spark-lamb.model.freeze}): no gradient on the wire, no optimizer state.</li>
 * </ul>
 * The optimizer, the all-reduce and the checkpoints' optimizer state work on {@link #optimized()}, a layout of the
 * optimized tensors alone, concatenated in the network's order.
 */
public final class ParameterRoles implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How a statistics tensor stores its value. */
    public enum StatisticKind {
        /** the running mean, stored as is */
        MEAN,
        /** the running variance, stored as is */
        VARIANCE,
        /** the running variance, stored as {@code log10(sqrt(variance))} (DL4J's default, {@code useLogStd}) */
        LOG10_STD
    }

    private final TensorLayout full;
    private final TensorLayout optimized;
    private final int[] optimizedIndex;
    private final double[] l1;
    private final double[] l2;
    private final TensorLayout statistics;
    private final int[] statisticsIndex;
    private final StatisticKind[] statisticKinds;
    private final List<String> frozen;
    private final List<String> normalization;
    private final GradientNormalizations gradientNormalization;
    private final java.util.Map<String, Double> weightDecay;

    ParameterRoles(TensorLayout full, int[] optimizedIndex, double[] l1, double[] l2, int[] statisticsIndex,
                   StatisticKind[] statisticKinds, List<String> normalization, java.util.Map<String, Double> weightDecay,
                   GradientNormalizations gradientNormalization) {
        this.full = full;
        this.weightDecay = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(weightDecay));
        this.gradientNormalization = gradientNormalization;
        this.normalization = List.copyOf(normalization);
        this.optimizedIndex = optimizedIndex.clone();
        this.l1 = l1.clone();
        this.l2 = l2.clone();
        this.statisticsIndex = statisticsIndex.clone();
        this.statisticKinds = statisticKinds.clone();
        this.optimized = optimizedIndex.length == 0 ? null : subLayout(full, optimizedIndex);
        this.statistics = statisticsIndex.length == 0 ? null : subLayout(full, statisticsIndex);
        boolean[] used = new boolean[full.size()];
        for (int i : optimizedIndex) {
            used[i] = true;
        }
        for (int i : statisticsIndex) {
            used[i] = true;
        }
        List<String> f = new ArrayList<>();
        for (int i = 0; i < full.size(); i++) {
            if (!used[i]) {
                f.add(full.name(i));
            }
        }
        this.frozen = List.copyOf(f);
    }

    /** Every tensor optimized, none regularized: a plain network. */
    public static ParameterRoles allOptimized(TensorLayout layout) {
        int[] all = new int[layout.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return new ParameterRoles(layout, all, new double[all.length], new double[all.length], new int[0], new StatisticKind[0], List.of(),
                java.util.Map.of(), GradientNormalizations.NONE);
    }

    private static TensorLayout subLayout(TensorLayout full, int[] index) {
        List<TensorSpec> specs = new ArrayList<>(index.length);
        for (int i : index) {
            specs.add(full.tensor(i));
        }
        return new TensorLayout(specs);
    }

    /** The network's whole flat parameter vector. */
    public TensorLayout full() {
        return full;
    }

    /** The tensors the optimizer trains, in network order. */
    public TensorLayout optimized() {
        return optimized;
    }

    /** Number of values of the optimized tensors. */
    public int optimizedLength() {
        return optimized == null ? 0 : Math.toIntExact(optimized.totalLength());
    }

    /** Number of values of the statistics tensors. */
    public int statisticsLength() {
        return statistics == null ? 0 : Math.toIntExact(statistics.totalLength());
    }

    public boolean hasStatistics() {
        return statisticsIndex.length > 0;
    }

    /** Names of the frozen tensors. */
    public List<String> frozen() {
        return frozen;
    }

    /** Batch normalization's optimized tensors (gamma, beta), which LAMB/LARS practice keeps out of weight decay. */
    public List<String> normalization() {
        return normalization;
    }

    /** The statistics tensors' names, in network order. */
    public List<String> statisticsNames() {
        List<String> names = new ArrayList<>();
        for (int i : statisticsIndex) {
            names.add(full.name(i));
        }
        return names;
    }

    /** Batch normalization's running statistics and how a step updates them. */
    public RunningStatistics statistics() {
        return new RunningStatistics(full, statisticsIndex, statisticKinds);
    }

    /** DL4J's L1 coefficient of optimized tensor {@code i} (0 when none). */
    public double l1(int i) {
        return l1[i];
    }

    /** DL4J's L2 coefficient of optimized tensor {@code i} (0 when none). */
    public double l2(int i) {
        return l2[i];
    }

    /**
     * DL4J {@code WeightDecay} coefficients by tensor name: decoupled weight decay for these tensors, in place of
     * {@code spark-lamb.optimizer.weight-decay} and its exclusions ({@code OptimizerConfig.withWeightDecayOverrides}).
     */
    public java.util.Map<String, Double> weightDecayOverrides() {
        return weightDecay;
    }

    /** DL4J's per-layer gradient normalization of the optimized tensors (none when no layer sets one). */
    public GradientNormalizations gradientNormalization() {
        return gradientNormalization;
    }

    /**
     * What DL4J's updater does to the mean gradient before its update step, applied to the summed gradient of all
     * optimized tensors over {@code batch} examples: per-layer gradient normalization, then L1/L2 terms. Returns
     * {@code sum} itself when there is nothing to do, else a changed copy.
     */
    public float[] prepareGradient(float[] sum, float[] optimizedParameters, long batch) {
        if (!gradientNormalization.any() && !hasRegularization()) {
            return sum;
        }
        float[] g = sum.clone();
        gradientNormalization.apply(optimized, g, batch);
        addRegularization(0, g, optimizedParameters, batch);
        return g;
    }

    public boolean hasRegularization() {
        for (int i = 0; i < l1.length; i++) {
            if (l1[i] != 0 || l2[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** Copies the optimized tensors' values out of a full vector. */
    public float[] gatherOptimized(float[] fullVector) {
        float[] out = new float[optimizedLength()];
        int at = 0;
        for (int i : optimizedIndex) {
            int n = full.length(i);
            System.arraycopy(fullVector, Math.toIntExact(full.offset(i)), out, at, n);
            at += n;
        }
        return out;
    }

    /** Adds the optimized tensors' values of {@code fullVector} to {@code sum} (a vector of {@link #optimizedLength()}). */
    public void addOptimized(float[] fullVector, float[] sum) {
        int at = 0;
        for (int i : optimizedIndex) {
            int from = Math.toIntExact(full.offset(i));
            int n = full.length(i);
            for (int k = 0; k < n; k++) {
                sum[at + k] += fullVector[from + k];
            }
            at += n;
        }
    }

    /** Writes optimized values into their places of a full vector. */
    public void scatterOptimized(float[] optimizedValues, float[] fullVector) {
        int at = 0;
        for (int i : optimizedIndex) {
            int n = full.length(i);
            System.arraycopy(optimizedValues, at, fullVector, Math.toIntExact(full.offset(i)), n);
            at += n;
        }
    }

    /**
     * Adds DL4J's L1/L2 terms, times {@code batch}, to a slice {@code [from, from + gradient.length)} of the optimized
     * tensors' summed gradient, given the same slice of their parameters: after the division by the batch size the
     * optimizer sees {@code mean gradient + l2 w + l1 sign(w)}, as DL4J's updater does (its {@code BEFORE_UPDATER}
     * regularization). Used for the whole vector on the driver and for one shard on its owner.
     */
    public void addRegularization(long from, float[] gradient, float[] parameters, long batch) {
        if (optimized == null) {
            return;
        }
        long to = from + gradient.length;
        for (int i = 0; i < optimized.size(); i++) {
            if (l1[i] == 0 && l2[i] == 0) {
                continue;
            }
            long start = Math.max(from, optimized.offset(i));
            long end = Math.min(to, optimized.offset(i) + optimized.length(i));
            float l1b = (float) (l1[i] * batch);
            float l2b = (float) (l2[i] * batch);
            for (long k = start; k < end; k++) {
                int j = (int) (k - from);
                float w = parameters[j];
                gradient[j] += l2b * w + l1b * Math.signum(w);
            }
        }
    }

    @Override
    public String toString() {
        return (optimized == null ? 0 : optimized.size()) + " optimized tensors (" + optimizedLength() + " values), "
                + statisticsIndex.length + " statistics tensors, " + frozen.size() + " frozen " + frozen;
    }
}
