package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** The file format of the training and test data ({@code spark-lamb.data.format}; see {@code conf/spark-lamb-defaults.conf}). */
public enum DataFormat implements ConfigChoice {
    PARQUET,
    CSV,
    /** Parquet token sequences ({@code input_ids}, {@code length}) for masked-language-model training ({@link TokenSettings}). */
    TOKENS;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.data.format";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static DataFormat parse(String value) {
        return ConfigChoice.parse(DataFormat.class, KEY, value);
    }
}
