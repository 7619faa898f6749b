package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Where the examples come from.
 *
 * @param partitions 0 means Spark's default parallelism
 */
public record DataSettings(String train, String test, DataFormat format, String featuresColumn, String labelColumn, int partitions)
        implements Serializable {

    public DataSettings {
        java.util.Objects.requireNonNull(format, DataFormat.KEY);
        Checks.atLeast("data.partitions", partitions, 0);
    }

    /** With the format as written in a configuration ({@code "parquet"} or {@code "csv"}). */
    public DataSettings(String train, String test, String format, String featuresColumn, String labelColumn, int partitions) {
        this(train, test, DataFormat.parse(format), featuresColumn, labelColumn, partitions);
    }

    public boolean hasTest() {
        return !test.isEmpty();
    }
}
