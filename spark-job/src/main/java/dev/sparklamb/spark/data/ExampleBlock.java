package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * One partition's examples, cached on its executor in the form the network consumes: row-major features
 * ({@code count x featureCount} floats), integer labels, and each example's global id (its index in the data set,
 * which the epoch shuffle permutes). Rows are sorted by id, so a block's content never depends on scheduling.
 *
 * <p>A token block ({@link #ofTokens}) holds token sequences instead: {@code count x L} token ids as ints and each
 * sequence's real length; its {@link #featureCount()} is L, and it has no float features and no labels (the
 * masked-language-model labels are drawn per step from the tokens).
 */
public final class ExampleBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int partition;
    private final int featureCount;
    private final long[] ids;
    private final float[] features;
    private final int[] labels;
    /** Token blocks only (else null): row-major token ids and real lengths. */
    private final int[] tokens;
    private final int[] lengths;
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
        this.tokens = null;
        this.lengths = null;
    }

    private ExampleBlock(int partition, int sequenceLength, long[] ids, int[] tokens, int[] lengths) {
        if (tokens.length != (long) ids.length * sequenceLength || lengths.length != ids.length) {
            throw new IllegalArgumentException("inconsistent token block: " + ids.length + " ids, " + lengths.length + " lengths, "
                    + tokens.length + " token ids for sequences of " + sequenceLength);
        }
        this.partition = partition;
        this.featureCount = sequenceLength;
        this.ids = ids;
        this.features = new float[0];
        this.labels = new int[0];
        this.tokens = tokens;
        this.lengths = lengths;
    }

    /** A block of token sequences: {@code ids.length x sequenceLength} token ids (row-major) and each one's real length. */
    public static ExampleBlock ofTokens(int partition, int sequenceLength, long[] ids, int[] tokens, int[] lengths) {
        return new ExampleBlock(partition, sequenceLength, ids, tokens, lengths);
    }

    /** Whether this block holds token sequences ({@link #ofTokens}). */
    public boolean isTokens() {
        return tokens != null;
    }

    /** Token blocks: the token ids of every row, row-major ({@code size() x featureCount()}); not a copy, do not change it. */
    public int[] tokens() {
        return tokens;
    }

    /** Token blocks: the real length (tokens before the padding) of {@code row}. */
    public int length(int row) {
        return lengths[row];
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
