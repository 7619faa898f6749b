package dev.sparklamb.spark.gradient;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * A summed gradient over some partitions' shares of one global batch, with the summed loss, the example count, the
 * number of loss terms (what the step divides the summed gradient and loss by: the examples for classification, the
 * masked tokens for masked-language-model data), the real tokens seen (sequence data; else 0) and the slowest
 * contributing task's timings. (A class, not a record: it crosses Spark's Kryo serializer.)
 */
public final class GradientPart implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final float[] gradient;
    private final float[] statistics;
    private final double lossSum;
    private final long examples;
    private final long lossCount;
    private final long tokens;
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
        this(index, gradient, statistics, lossSum, examples, examples, 0, computeNanos, loadNanos);
    }

    /**
     * @param lossCount the number of loss terms summed in {@code lossSum} and {@code gradient} (examples, or masked tokens)
     * @param tokens    real (not padding) input tokens of sequence data; 0 for other data
     */
    public GradientPart(int index, float[] gradient, float[] statistics, double lossSum, long examples, long lossCount, long tokens,
                        long computeNanos, long loadNanos) {
        this.index = index;
        this.gradient = gradient;
        this.statistics = statistics;
        this.lossSum = lossSum;
        this.examples = examples;
        this.lossCount = lossCount;
        this.tokens = tokens;
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

    /** The number of loss terms summed (examples, or masked tokens): the divisor of the step's gradient and loss. */
    public long lossCount() {
        return lossCount;
    }

    /**
     * What a step divides the summed gradient by: {@link #lossCount()}, or 1 when it is 0 (a batch of sequences without a
     * single maskable token: its gradient is zero).
     */
    public long lossDivisor() {
        return Math.max(1, lossCount);
    }

    /** Real input tokens (sequence data), else 0. */
    public long tokens() {
        return tokens;
    }

    /** The same sums with another gradient and statistics (a shard's slice, or with regularization added). */
    public GradientPart with(int newIndex, float[] newGradient, float[] newStatistics) {
        return new GradientPart(newIndex, newGradient, newStatistics, lossSum, examples, lossCount, tokens, computeNanos, loadNanos);
    }

    /** The same part with {@code nanos} more parameter-loading time (e.g. the broadcast's fetch before the replica loads it). */
    public GradientPart plusLoad(long nanos) {
        return new GradientPart(index, gradient, statistics, lossSum, examples, lossCount, tokens, computeNanos, loadNanos + nanos);
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
        long lossCount = sorted.get(0).lossCount();
        long tokens = sorted.get(0).tokens();
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
            lossCount += p.lossCount();
            tokens += p.tokens();
            compute = Math.max(compute, p.computeNanos());
            load = Math.max(load, p.loadNanos());
        }
        return new GradientPart(index, sum, stats, loss, examples, lossCount, tokens, compute, load);
    }
}
