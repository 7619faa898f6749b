package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * One partition's examples, cached on its executor in the form the network consumes: row-major features
 * ({@code count x featureCount} floats), integer labels, and each example's global id (its index in the data set,
 * which the epoch shuffle permutes). Rows are sorted by id, so a block's content never depends on scheduling.
 *
 * <p>The memory cache builds the compact form ({@link #compact}) of such a block: when every feature value of the
 * partition is bitwise the decoding of a byte ({@link ByteEncoding}: {@code b / 255f}, MNIST-like pixels, or an integer
 * 0..255), the features are held as one byte per value ({@link ByteFeatures}, a quarter of the heap) and decoded into
 * each micro-batch, to exactly the same floats; otherwise as float32. {@link #storage()} says which.
 *
 * <p>A token block ({@link #ofTokens}) holds token sequences instead: {@code count x L} token ids as ints and each
 * sequence's real length; its {@link #featureCount()} is L, and it has no float features and no labels (the
 * masked-language-model labels are drawn per step from the tokens).
 *
 * <p>A disk block ({@link #onDisk}, {@code spark-lamb.data.cache = disk}) keeps only ids and labels (or lengths) in the
 * heap; its features or token ids are in a file ({@link DiskRows}) read row by row. Spark closes a cached block when it
 * drops it ({@link #close()}), which deletes that file.
 */
public final class ExampleBlock implements Serializable, AutoCloseable {

    private static final long serialVersionUID = 1L;

    private final int partition;
    private final int featureCount;
    private final long[] ids;
    private final float[] features;
    /** Compact blocks only (else null): the features as one byte per value; {@link #features} is then empty. */
    private final ByteFeatures featureBytes;
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
    /** Disk blocks only (else null): the rows' features or token ids. */
    private final DiskRows disk;
    /** This block's rows in the order of the epoch last asked for; rebuilt after deserialization or for a new epoch. */
    private transient volatile EpochOrder order;

    /** A block of {@code ids.length} examples with their features as float32 (row-major) and their classes. */
    public ExampleBlock(int partition, int featureCount, long[] ids, float[] features, int[] labels) {
        this(partition, featureCount, ids, features, null, labels);
    }

    private ExampleBlock(int partition, int featureCount, long[] ids, float[] features, ByteFeatures featureBytes, int[] labels) {
        long values = featureBytes != null ? featureBytes.length() : features.length;
        if (values != (long) ids.length * featureCount || labels.length != ids.length) {
            throw new IllegalArgumentException("inconsistent example block: " + ids.length + " ids, " + labels.length + " labels, "
                    + values + " feature values for " + featureCount + " features each");
        }
        this.partition = partition;
        this.featureCount = featureCount;
        this.ids = ids;
        this.features = features;
        this.featureBytes = featureBytes;
        this.labels = labels;
        this.tokens = null;
        this.lengths = null;
        this.disk = null;
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
        this.featureBytes = null;
        this.labels = new int[0];
        this.tokens = tokens;
        this.lengths = lengths;
        this.disk = null;
    }

    private ExampleBlock(int partition, long[] ids, int[] labelsOrLengths, DiskRows disk, int width) {
        if (labelsOrLengths.length != ids.length) {
            throw new IllegalArgumentException("inconsistent disk block: " + ids.length + " ids, " + labelsOrLengths.length + " labels");
        }
        this.partition = partition;
        this.featureCount = width;
        this.ids = ids;
        this.features = new float[0];
        this.featureBytes = null;
        this.labels = disk.isTokens() ? new int[0] : labelsOrLengths;
        this.tokens = null;
        this.lengths = disk.isTokens() ? labelsOrLengths : null;
        this.disk = disk;
    }

    /** A block whose rows are in {@code disk}: labels for features, real lengths for token ids. */
    static ExampleBlock onDisk(int partition, int width, long[] ids, int[] labelsOrLengths, DiskRows disk) {
        return new ExampleBlock(partition, ids, labelsOrLengths, disk, width);
    }

    /**
     * The memory cache's block of {@code ids.length} examples whose features ({@code ids.length x featureCount},
     * row-major) are {@code encoding}'s bytes: they decode to the floats the examples have.
     */
    static ExampleBlock compact(int partition, int featureCount, long[] ids, ByteEncoding encoding, byte[] features, int[] labels) {
        return new ExampleBlock(partition, featureCount, ids, new float[0], new ByteFeatures(encoding, features), labels);
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
        return tokens != null || disk != null && disk.isTokens();
    }

    /**
     * In-memory token blocks: the token ids of every row, row-major ({@code size() x featureCount()}); not a copy, do
     * not change it. Use {@link #tokenRow}, which every kind of token block has.
     */
    public int[] tokens() {
        if (tokens == null) {
            throw new IllegalStateException("not an in-memory token block");
        }
        return tokens;
    }

    /** Token blocks: copies the token ids of {@code row} into {@code dst[0 .. featureCount())}. */
    public void tokenRow(int row, int[] dst) {
        if (disk != null) {
            disk.tokens(row, dst);
        } else {
            System.arraycopy(tokens(), row * featureCount, dst, 0, featureCount);
        }
    }

    /**
     * False for a disk block whose file another executor wrote (Spark fetched the cached block from there): its rows
     * must be read again on this executor. In-memory blocks are always local.
     */
    public boolean isLocal() {
        return disk == null || disk.isLocal();
    }

    /**
     * How the rows are stored, for logs: where ({@code memory} or {@code disk}), the encoding of the features or token ids
     * ({@code scaled_byte}, {@code integer_byte}, {@code float32}, {@code int32}) and their size in bytes, e.g.
     * {@code "memory scaled_byte, 23520000 bytes"}.
     */
    public String storage() {
        if (disk != null) {
            return "disk " + lowerCase(disk.encoding().name()) + ", " + disk.bytes() + " bytes";
        }
        if (featureBytes != null) {
            return "memory " + lowerCase(featureBytes.encoding().name()) + ", " + featureBytes.length() + " bytes";
        }
        return tokens != null ? "memory int32, " + 4L * tokens.length + " bytes" : "memory float32, " + 4L * features.length + " bytes";
    }

    private static String lowerCase(String name) {
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    /** Disk blocks: their file (else null). */
    DiskRows diskRows() {
        return disk;
    }

    /** Deletes a disk block's file if this object wrote it; nothing for in-memory blocks. */
    @Override
    public void close() {
        if (disk != null) {
            disk.close();
        }
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
        if (disk != null) {
            disk.gatherFeatures(rows, from, count, dst);
            return;
        }
        if (featureBytes != null) {
            featureBytes.gather(rows, from, count, featureCount, dst);
            return;
        }
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
