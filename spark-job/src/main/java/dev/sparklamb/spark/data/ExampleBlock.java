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
    /**
     * Labelled sequence blocks only ({@link #ofSequences}; else null and 0). Not final: only that factory sets them, so
     * the other kinds' constructors stay as they are. {@link #featureCount()} is then {@code featureSize x L}.
     */
    private int sequenceLength;
    private int[] stepLabels;
    private byte[] stepMask;
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

    /**
     * A block of labelled sequences (DL4J's drop-in): per row {@code featureSize x length} features (row-major, as DL4J's
     * {@code [size, L]} time series), {@code length} classes ({@code -1} where the step's label does not count: labels
     * mask 0) and {@code length} features-mask values (0 or 1); all three row-major over the rows.
     */
    public static ExampleBlock ofSequences(int partition, int featureSize, int length, long[] ids, float[] features, int[] stepLabels,
                                           byte[] stepMask) {
        if (stepLabels.length != (long) ids.length * length || stepMask.length != stepLabels.length) {
            throw new IllegalArgumentException("inconsistent sequence block: " + ids.length + " ids, " + stepLabels.length + " step labels, "
                    + stepMask.length + " mask values for sequences of " + length);
        }
        ExampleBlock b = new ExampleBlock(partition, Math.multiplyExact(featureSize, length), ids, features, new int[ids.length]);
        b.sequenceLength = length;
        b.stepLabels = stepLabels;
        b.stepMask = stepMask;
        return b;
    }

    /** Whether this block holds labelled sequences ({@link #ofSequences}). */
    public boolean isSequences() {
        return stepLabels != null;
    }

    /** Sequence blocks: the number of time steps L per row. */
    public int sequenceLength() {
        return sequenceLength;
    }

    /** Sequence blocks: the class at {@code step} of {@code row}, or -1 where its label does not count. */
    public int stepLabel(int row, int step) {
        return stepLabels[row * sequenceLength + step];
    }

    /** Sequence blocks: the features mask (0 or 1) at {@code step} of {@code row}. */
    public int stepMask(int row, int step) {
        return stepMask[row * sequenceLength + step];
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
