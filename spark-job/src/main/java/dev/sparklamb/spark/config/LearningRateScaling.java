package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the peak learning rate follows the global batch ({@code spark-lamb.optimizer.learning-rate.scaling}; see {@code conf/spark-lamb-defaults.conf}). */
public enum LearningRateScaling implements ConfigChoice {
    SQRT("sqrt"),
    LINEAR("linear"),
    NONE("none");

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.optimizer.learning-rate.scaling";

    private final String key;

    LearningRateScaling(String key) {
        this.key = key;
    }

    @JsonValue
    @Override
    public String key() {
        return key;
    }

    @Override
    public String toString() {
        return key;
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static LearningRateScaling parse(String value) {
        return ConfigChoice.parse(LearningRateScaling.class, KEY, value);
    }
}
