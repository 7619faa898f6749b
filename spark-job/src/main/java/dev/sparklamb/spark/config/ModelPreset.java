package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** A built-in network architecture ({@code spark-lamb.model.preset}; see {@code conf/spark-lamb-defaults.conf}). */
public enum ModelPreset implements ConfigChoice {
    MLP,
    LENET,
    RESNET_MINI,
    BERT_MINI;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.model.preset";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static ModelPreset parse(String value) {
        return ConfigChoice.parse(ModelPreset.class, KEY, value);
    }
}
