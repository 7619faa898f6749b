package dev.sparklamb.spark.data;

import dev.sparklamb.spark.config.ConfigurationException;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * How much one partition can hold: an {@link ExampleBlock} keeps all of its partition's feature values (or token ids)
 * in one Java array, indexed by {@code int}, so rows x values per row must stay within the largest array the JVM
 * allocates. The limit counts values, not bytes: it is the same whether the features are float32 or one byte each
 * ({@link ByteFeatures}), since a {@code byte[]} is indexed by {@code int} too. The only place that limit is checked: drop it once blocks index with {@code long}.
 */
public final class PartitionCapacity {

    /** The largest array length the JVM allocates reliably (the JDK's own soft maximum, {@code Integer.MAX_VALUE - 8}). */
    public static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private PartitionCapacity() {
    }

    /** Whether {@code rows} rows of {@code valuesPerRow} values each fit in one block of at most {@code limit} values. */
    public static boolean fits(long rows, long valuesPerRow, long limit) {
        return valuesPerRow == 0 || rows <= limit / valuesPerRow;
    }

    /**
     * Refuses data whose largest partition would not fit in one block ({@link #MAX_VALUES}), naming
     * {@code spark-lamb.data.partitions}. Costs nothing when the whole data set fits in one block; otherwise counts the
     * rows per partition with one Spark job over {@code decoded}, before any block is built.
     *
     * @param configured   the configured {@code data.partitions} (0: Spark's default parallelism), for the message
     * @param partitions   the partitions the data is spread over, as {@link DatasetReader#partitionOf} assigns them
     * @param valuesPerRow features per example (or the sequence length of token data)
     */
    static void require(JavaRDD<DecodedRow> decoded, long count, int configured, int partitions, int valuesPerRow, long seed, String what,
                        long limit) {
        if (fits(count, valuesPerRow, limit)) {
            return;
        }
        int p = partitions;
        long s = seed;
        Map<Integer, Long> rows = decoded.map(r -> DatasetReader.partitionOf(r.id(), s, p)).countByValue();
        Map.Entry<Integer, Long> largest = rows.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        if (fits(largest.getValue(), valuesPerRow, limit)) {
            return;
        }
        long total = Math.multiplyExact(count, (long) valuesPerRow);
        long needed = (total + limit - 1) / limit;
        throw new ConfigurationException("spark-lamb.data.partitions = " + configured
                + (configured == 0 ? " (Spark's default parallelism, " + partitions + ")" : "") + ": partition " + largest.getKey()
                + " of " + what + " would hold " + largest.getValue() + " examples of " + valuesPerRow + " values = "
                + Math.multiplyExact(largest.getValue(), (long) valuesPerRow) + " values, more than the " + limit
                + " one partition can hold (its values are one Java array, floats or bytes alike); the data holds " + total
                + " values: raise spark-lamb.data.partitions to more than " + needed + " (shares are uneven by a few percent), or set "
                + "spark-lamb.data.cache = disk (no per-partition limit)");
    }
}
