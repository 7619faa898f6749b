package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Where the examples come from.
 *
 * @param partitions 0 means Spark's default parallelism
 */
public record DataSettings(String train, String test, String format, String featuresColumn, String labelColumn, int partitions)
        implements Serializable {

    public boolean hasTest() {
        return !test.isEmpty();
    }
}
