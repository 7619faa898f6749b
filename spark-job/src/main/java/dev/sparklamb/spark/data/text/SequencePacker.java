package dev.sparklamb.spark.data.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts one document's token stream (its lines' WordPiece ids, concatenated: sequences run across line and sentence
 * boundaries, never across documents) into fixed-length sequences: {@code [CLS]}, the next up to {@code length - 2}
 * tokens of the stream, {@code [SEP]}, then {@code [PAD]} up to {@code length}. Every token of the stream is in exactly
 * one sequence, in order; only a document's last sequence may hold fewer than {@code length - 2} tokens.
 */
public final class SequencePacker {

    /** The smallest sequence length: [CLS], one token, [SEP]. */
    public static final int MIN_LENGTH = 3;

    /** One sequence: {@code ids} has exactly the packer's length; {@code realTokens} counts [CLS] and [SEP]. */
    public record Sequence(int[] ids, int realTokens) {
    }

    private final int length;
    private final int cls;
    private final int sep;
    private final int pad;

    public SequencePacker(int length, int cls, int sep, int pad) {
        if (length < MIN_LENGTH) {
            throw new IllegalArgumentException("sequence length " + length + " < " + MIN_LENGTH);
        }
        this.length = length;
        this.cls = cls;
        this.sep = sep;
        this.pad = pad;
    }

    public SequencePacker(int length, Vocabulary v) {
        this(length, v.cls(), v.sep(), v.pad());
    }

    /** How many sequences a stream of {@code tokens} tokens fills: ceil(tokens / (length - 2)). */
    public static long sequenceCount(long tokens, int length) {
        long body = length - 2;
        return (tokens + body - 1) / body;
    }

    /** The sequences of {@code stream[0, size)}, in order. */
    public List<Sequence> pack(int[] stream, int size) {
        int body = length - 2;
        List<Sequence> out = new ArrayList<>((int) sequenceCount(size, length));
        for (int start = 0; start < size; start += body) {
            int n = Math.min(body, size - start);
            int[] ids = new int[length];
            ids[0] = cls;
            System.arraycopy(stream, start, ids, 1, n);
            ids[n + 1] = sep;
            Arrays.fill(ids, n + 2, length, pad);
            out.add(new Sequence(ids, n + 2));
        }
        return out;
    }
}
