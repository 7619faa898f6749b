package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * MLflow tracking ({@code spark-lamb.tracking.mlflow}; see {@code conf/spark-lamb-defaults.conf} and
 * {@code dev.sparklamb.spark.tracking.MlflowTarget} for how the switch, the URI and the environment combine).
 *
 * @param enabled             auto, true or false
 * @param trackingUri         the server's URI, or "" for the environment's {@code MLFLOW_TRACKING_URI}
 * @param experiment          the experiment's name (created when missing)
 * @param queueCapacity       the most step metrics waiting to be sent (the oldest are dropped beyond)
 * @param flushTimeoutSeconds the longest wait at the end of the run for the queue to be sent
 */
public record MlflowSettings(MlflowSwitch enabled, String trackingUri, String experiment, int queueCapacity, int flushTimeoutSeconds)
        implements Serializable {

    /** The defaults of {@code conf/spark-lamb-defaults.conf}. */
    public static final MlflowSettings DEFAULT = new MlflowSettings(MlflowSwitch.AUTO, "", "spark-lamb", 10000, 30);

    public MlflowSettings {
        java.util.Objects.requireNonNull(enabled, MlflowSwitch.KEY);
        java.util.Objects.requireNonNull(trackingUri, "spark-lamb.tracking.mlflow.tracking-uri");
        if (experiment == null || experiment.isBlank()) {
            throw new ConfigurationException("spark-lamb.tracking.mlflow.experiment must not be empty");
        }
        if (queueCapacity < 1) {
            throw new ConfigurationException("spark-lamb.tracking.mlflow.queue-capacity must be >= 1, got " + queueCapacity);
        }
        if (flushTimeoutSeconds < 0) {
            throw new ConfigurationException("spark-lamb.tracking.mlflow.flush-timeout-seconds must be >= 0, got " + flushTimeoutSeconds);
        }
    }
}
