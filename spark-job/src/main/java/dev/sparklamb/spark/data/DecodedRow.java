package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * One input row after decoding: its id, features and label, or the reason it is unusable. A plain class, not a
 * record: Spark's Kryo serializer cannot handle records.
 */
final class DecodedRow implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long id;
    private final float[] features;
    private final int label;
    private final String file;
    private final String problem;
    /** Token rows only (else null): the token ids; {@link #label} is then the real length. */
    private final int[] tokens;

    DecodedRow(long id, float[] features, int label, String file, String problem) {
        this(id, features, null, label, file, problem);
    }

    private DecodedRow(long id, float[] features, int[] tokens, int label, String file, String problem) {
        this.id = id;
        this.features = features;
        this.tokens = tokens;
        this.label = label;
        this.file = file;
        this.problem = problem;
    }

    /** A token sequence and its real length. */
    static DecodedRow tokens(long id, int[] tokens, int length, String file) {
        return new DecodedRow(id, null, tokens, length, file, null);
    }

    /** Token rows: the ids (else null). */
    int[] tokenIds() {
        return tokens;
    }

    static DecodedRow bad(long id, String file, String problem) {
        return new DecodedRow(id, null, -1, file, problem);
    }

    long id() {
        return id;
    }

    float[] features() {
        return features;
    }

    int label() {
        return label;
    }

    String file() {
        return file;
    }

    /** Why the row cannot be used, or null. */
    String problem() {
        return problem;
    }
}
