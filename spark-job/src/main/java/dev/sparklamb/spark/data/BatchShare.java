package dev.sparklamb.spark.data;

import java.util.Arrays;

/** The rows of one {@link ExampleBlock} that belong to one global step, in epoch order. */
public final class BatchShare {

    private BatchShare() {
    }

    /** Rows whose epoch position lies in {@code [from, from + count)}, sorted by position. */
    public static int[] rows(ExampleBlock block, EpochPermutation permutation, long from, long count) {
        long end = from + count;
        long[] positions = new long[block.size()];
        int found = 0;
        for (int r = 0; r < block.size(); r++) {
            long p = permutation.position(block.id(r));
            positions[r] = p;
            if (p >= from && p < end) {
                found++;
            }
        }
        // Positions within one batch differ by less than count (< 2^31): pack (position - from, row) into one long.
        long[] packed = new long[found];
        int i = 0;
        for (int r = 0; r < block.size(); r++) {
            long p = positions[r];
            if (p >= from && p < end) {
                packed[i++] = ((p - from) << 32) | r;
            }
        }
        Arrays.sort(packed);
        int[] rows = new int[found];
        for (int k = 0; k < found; k++) {
            rows[k] = (int) packed[k];
        }
        return rows;
    }
}
