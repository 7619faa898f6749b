package dev.sparklamb.spark.config;

/** A configuration that cannot be used. The message names the key (its full path) and what was expected. */
public final class ConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
