package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the peak learning rate follows the global batch ({@code spark-lamb.optimizer.learning-rate.scaling}; see {@code conf/spark-lamb-defaults.conf}). */
public enum LearningRateScaling implements ConfigChoice {
    SQRT,
    LINEAR,
    NONE;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.optimizer.learning-rate.scaling";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static LearningRateScaling parse(String value) {
        return ConfigChoice.parse(LearningRateScaling.class, KEY, value);
    }
}
