package dev.sparklamb.spark.gradient;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * A summed gradient over some partitions' shares of one global batch, with the summed loss, the example count and
 * the slowest contributing task's timings. (A class, not a record: it crosses Spark's Kryo serializer.)
 */
public final class GradientPart implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final float[] gradient;
    private final float[] statistics;
    private final double lossSum;
    private final long examples;
    private final long computeNanos;
    private final long loadNanos;

    /**
     * @param index        position in the all-reduce tree (a partition index at the leaves)
     * @param computeNanos slowest forward/backward time among the contributing tasks
     * @param loadNanos    slowest parameter-loading time among the contributing tasks
     */
    public GradientPart(int index, float[] gradient, double lossSum, long examples, long computeNanos, long loadNanos) {
        this(index, gradient, new float[0], lossSum, examples, computeNanos, loadNanos);
    }

    /**
     * @param statistics the example-weighted sums of batch normalization's running statistics
     *                   ({@link dev.sparklamb.spark.model.RunningStatistics#add}); empty when there are none
     */
    public GradientPart(int index, float[] gradient, float[] statistics, double lossSum, long examples, long computeNanos, long loadNanos) {
        this.index = index;
        this.gradient = gradient;
        this.statistics = statistics;
        this.lossSum = lossSum;
        this.examples = examples;
        this.computeNanos = computeNanos;
        this.loadNanos = loadNanos;
    }

    public int index() {
        return index;
    }

    public float[] gradient() {
        return gradient;
    }

    /** Summed running-statistics contributions (empty when the network has none, or in a shard other than 0). */
    public float[] statistics() {
        return statistics;
    }

    public double lossSum() {
        return lossSum;
    }

    public long examples() {
        return examples;
    }

    public long computeNanos() {
        return computeNanos;
    }

    public long loadNanos() {
        return loadNanos;
    }

    /** Sums {@code parts} in ascending index order (never in arrival order), into a part with index {@code index}. */
    public static GradientPart sumInOrder(int index, List<GradientPart> parts) {
        List<GradientPart> sorted = parts.stream().sorted(Comparator.comparingInt(GradientPart::index)).toList();
        float[] sum = sorted.get(0).gradient().clone();
        float[] stats = sorted.get(0).statistics().clone();
        double loss = sorted.get(0).lossSum();
        long examples = sorted.get(0).examples();
        long compute = sorted.get(0).computeNanos();
        long load = sorted.get(0).loadNanos();
        for (int k = 1; k < sorted.size(); k++) {
            GradientPart p = sorted.get(k);
            if (p.gradient().length != sum.length) {
                throw new IllegalStateException("gradient of part " + p.index() + " has " + p.gradient().length + " values, expected " + sum.length);
            }
            float[] g = p.gradient();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += g[i];
            }
            if (p.statistics().length != stats.length) {
                throw new IllegalStateException("statistics of part " + p.index() + " have " + p.statistics().length + " values, expected "
                        + stats.length);
            }
            float[] st = p.statistics();
            for (int i = 0; i < stats.length; i++) {
                stats[i] += st[i];
            }
            loss += p.lossSum();
            examples += p.examples();
            compute = Math.max(compute, p.computeNanos());
            load = Math.max(load, p.loadNanos());
        }
        return new GradientPart(index, sum, stats, loss, examples, compute, load);
    }
}
