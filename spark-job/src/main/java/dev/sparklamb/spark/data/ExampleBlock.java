package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * One partition's examples, cached on its executor in the form the network consumes: row-major features
 * ({@code count x featureCount} floats), integer labels, and each example's global id (its index in the data set,
 * which the epoch shuffle permutes). Rows are sorted by id, so a block's content never depends on scheduling.
 */
public final class ExampleBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int partition;
    private final int featureCount;
    private final long[] ids;
    private final float[] features;
    private final int[] labels;
    /** This block's rows in the order of the epoch last asked for; rebuilt after deserialization or for a new epoch. */
    private transient volatile EpochOrder order;

    public ExampleBlock(int partition, int featureCount, long[] ids, float[] features, int[] labels) {
        if (features.length != (long) ids.length * featureCount || labels.length != ids.length) {
            throw new IllegalArgumentException("inconsistent example block: " + ids.length + " ids, " + labels.length + " labels, "
                    + features.length + " feature values for " + featureCount + " features each");
        }
        this.partition = partition;
        this.featureCount = featureCount;
        this.ids = ids;
        this.features = features;
        this.labels = labels;
    }

    public int partition() {
        return partition;
    }

    public int featureCount() {
        return featureCount;
    }

    public int size() {
        return ids.length;
    }

    public long id(int row) {
        return ids[row];
    }

    public int label(int row) {
        return labels[row];
    }

    /** The rows sorted by their position in {@code permutation}'s order, computed once per epoch. */
    EpochOrder order(EpochPermutation permutation) {
        EpochOrder o = order;
        if (o == null || !o.isFor(permutation)) {
            o = EpochOrder.of(this, permutation);
            order = o;
        }
        return o;
    }

    /** Copies the features of {@code rows[from .. from+count)} into {@code dst}, row-major. */
    public void gatherFeatures(int[] rows, int from, int count, float[] dst) {
        if (featureCount >= 64) {
            for (int i = 0; i < count; i++) {
                System.arraycopy(features, rows[from + i] * featureCount, dst, i * featureCount, featureCount);
            }
            return;
        }
        // Short rows: a plain loop, whose independent loads the CPU overlaps (a call per row did not; 4x slower per
        // row on a block far larger than the caches, docs/benchmarks.md).
        for (int i = 0; i < count; i++) {
            int src = rows[from + i] * featureCount;
            int d = i * featureCount;
            for (int k = 0; k < featureCount; k++) {
                dst[d + k] = features[src + k];
            }
        }
    }
}
