package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How gradients are summed and the optimizer applied each step ({@code spark-lamb.training.all-reduce}; see {@code conf/spark-lamb-defaults.conf}). */
public enum AllReduceMode implements ConfigChoice {
    TREE,
    SHARDED;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.training.all-reduce";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static AllReduceMode parse(String value) {
        return ConfigChoice.parse(AllReduceMode.class, KEY, value);
    }
}
