package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a run is tracked in MLflow ({@code spark-lamb.tracking.mlflow.enabled}; see {@code conf/spark-lamb-defaults.conf}). */
public enum MlflowSwitch implements ConfigChoice {
    /** On when a tracking URI is known (the key {@code tracking-uri} or the environment's {@code MLFLOW_TRACKING_URI}). */
    AUTO,
    /** On; a missing tracking URI is a configuration error. */
    TRUE,
    /** Off. */
    FALSE;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.tracking.mlflow.enabled";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static MlflowSwitch parse(String value) {
        return ConfigChoice.parse(MlflowSwitch.class, KEY, value);
    }
}
