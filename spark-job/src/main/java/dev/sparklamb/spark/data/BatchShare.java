package dev.sparklamb.spark.data;


/** The rows of one {@link ExampleBlock} that belong to one global step, in epoch order. */
public final class BatchShare {

    private BatchShare() {
    }

    /**
     * Rows whose epoch position lies in {@code [from, from + count)}, sorted by position. The block keeps its rows'
     * order for the current epoch ({@link EpochOrder}, 12 bytes per row), so a step costs O(log n + share), not O(n).
     */
    public static int[] rows(ExampleBlock block, EpochPermutation permutation, long from, long count) {
        return block.order(permutation).rows(from, count);
    }
}
