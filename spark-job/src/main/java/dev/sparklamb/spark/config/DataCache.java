package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How each partition's examples are cached on its executor ({@code spark-lamb.data.cache}; see
 * {@code conf/spark-lamb-defaults.conf} and docs/scaling.md, "The data cache").
 */
public enum DataCache implements ConfigChoice {
    /** One object per partition in the executor's heap, features as float32 (spilled whole by Spark when it does not fit). */
    MEMORY,
    /**
     * One file per partition in Spark's local directories, features in a compact lossless encoding, read through a
     * memory mapping: a step touches only its own rows; the heap holds each example's id and label.
     */
    DISK;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.data.cache";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static DataCache parse(String value) {
        return ConfigChoice.parse(DataCache.class, KEY, value);
    }
}
