package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * The run lease ({@code spark-lamb.lease}): how long a run's claim on its output directory stays valid without being
 * renewed. See {@code conf/spark-lamb-defaults.conf} and {@code dev.sparklamb.spark.lease.RunLease}.
 *
 * @param timeoutSeconds a lease not renewed for this long is stale and may be taken over (the holder renews it every
 *                       third of this)
 */
public record LeaseSettings(int timeoutSeconds) implements Serializable {

    /** The default of {@code conf/spark-lamb-defaults.conf}: 60 seconds. */
    public static final LeaseSettings DEFAULT = new LeaseSettings(60);

    public LeaseSettings {
        if (timeoutSeconds < 1) {
            throw new ConfigurationException("spark-lamb.lease.timeout-seconds must be >= 1, got " + timeoutSeconds);
        }
    }
}
