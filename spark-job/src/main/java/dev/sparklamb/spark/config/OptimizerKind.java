package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** Which optimizer a run uses ({@code spark-lamb.optimizer.name}; see {@code conf/spark-lamb-defaults.conf}). */
public enum OptimizerKind implements ConfigChoice {
    LAMB,
    LARS,
    ADAMW,
    ADAM;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.optimizer.name";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static OptimizerKind parse(String value) {
        return ConfigChoice.parse(OptimizerKind.class, KEY, value);
    }
}
