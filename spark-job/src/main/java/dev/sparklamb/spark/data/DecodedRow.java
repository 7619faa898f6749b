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
    /**
     * Labelled sequence rows only (else null; see {@link #sequence}): per time step the class, or -1 where the labels mask
     * is 0, and the features mask (0 or 1). Not final: only {@link #sequence} sets them, so the other rows' constructors
     * stay as they are.
     */
    private int[] stepLabels;
    private byte[] stepMask;

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

    /**
     * A labelled sequence (DL4J's drop-in: features {@code [size, L]} flattened row-major, one class per step or -1 where
     * the step's label does not count, and the features mask per step).
     */
    static DecodedRow sequence(long id, float[] features, int[] stepLabels, byte[] stepMask, String file) {
        DecodedRow r = new DecodedRow(id, features, null, -1, file, null);
        r.stepLabels = stepLabels;
        r.stepMask = stepMask;
        return r;
    }

    /** The same row with another id. */
    DecodedRow withId(long newId) {
        DecodedRow r = new DecodedRow(newId, features, tokens, label, file, problem);
        r.stepLabels = stepLabels;
        r.stepMask = stepMask;
        return r;
    }

    /** Labelled sequence rows: the class per step, -1 where it does not count (else null). */
    int[] stepLabels() {
        return stepLabels;
    }

    /** Labelled sequence rows: the features mask per step (else null). */
    byte[] stepMask() {
        return stepMask;
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
