package dev.sparklamb.spark.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where executors run the network ({@code spark-lamb.device.type}; see {@code conf/spark-lamb-defaults.conf}). */
public enum DeviceType implements ConfigChoice {
    AUTO("auto"),
    GPU("gpu"),
    CPU("cpu");

    /** The configuration key this choice is read from. */
    public static final String KEY = "spark-lamb.device.type";

    private final String key;

    DeviceType(String key) {
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
    public static DeviceType parse(String value) {
        return ConfigChoice.parse(DeviceType.class, KEY, value);
    }
}
