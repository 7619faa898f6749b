package dev.sparklamb.spark.data;

import java.util.Arrays;

/**
 * One block's rows sorted by their position in one epoch's order ({@link EpochPermutation}): computed once per epoch
 * (O(n log n) for the block's n rows), after which each step finds its share by binary search in O(log n + share)
 * instead of evaluating the permutation for every row of the block again.
 */
final class EpochOrder {

    private final EpochPermutation permutation;
    private final long[] positions;
    private final int[] rows;

    private EpochOrder(EpochPermutation permutation, long[] positions, int[] rows) {
        this.permutation = permutation;
        this.positions = positions;
        this.rows = rows;
    }

    static EpochOrder of(ExampleBlock block, EpochPermutation permutation) {
        int n = block.size();
        long[] positions = new long[n];
        int[] rows = new int[n];
        long[] packed = new long[n];
        boolean fits = true;
        for (int r = 0; r < n; r++) {
            long p = permutation.position(block.id(r));
            fits &= p < (1L << 32);
            packed[r] = (p << 31) | r; // position < 2^32 and row < 2^31: one sortable long
        }
        if (fits) {
            Arrays.sort(packed);
            for (int k = 0; k < n; k++) {
                rows[k] = (int) (packed[k] & Integer.MAX_VALUE);
                positions[k] = packed[k] >>> 31;
            }
        } else {
            Integer[] order = new Integer[n];
            long[] byRow = new long[n];
            for (int r = 0; r < n; r++) {
                order[r] = r;
                byRow[r] = permutation.position(block.id(r));
            }
            Arrays.sort(order, (a, b) -> Long.compare(byRow[a], byRow[b]));
            for (int k = 0; k < n; k++) {
                rows[k] = order[k];
                positions[k] = byRow[order[k]];
            }
        }
        return new EpochOrder(permutation, positions, rows);
    }

    boolean isFor(EpochPermutation other) {
        return permutation.equals(other);
    }

    /** Rows whose position lies in {@code [from, from + count)}, sorted by position. */
    int[] rows(long from, long count) {
        int first = lowerBound(from);
        int last = lowerBound(from + count);
        return Arrays.copyOfRange(rows, first, last);
    }

    private int lowerBound(long position) {
        int lo = 0;
        int hi = positions.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (positions[mid] < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
