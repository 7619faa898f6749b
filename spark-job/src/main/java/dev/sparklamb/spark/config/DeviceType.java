package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where executors run the network ({@code spark-lamb.device.type}; see {@code conf/spark-lamb-defaults.conf}). */
public enum DeviceType implements ConfigChoice {
    AUTO,
    GPU,
    CPU;

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.device.type";

    /** The spelling in the configuration file ({@link #key()}), also in JSON output. */
    @JsonValue
    @Override
    public String toString() {
        return key();
    }

    /** The constant written {@code value}; a {@link ConfigurationException} naming {@link #KEY} otherwise. */
    public static DeviceType parse(String value) {
        return ConfigChoice.parse(DeviceType.class, KEY, value);
    }
}
