package dev.sparklamb.spark.config;

import java.io.Serializable;

/** Experiment tracking ({@code spark-lamb.tracking}): MLflow only, for now. */
public record TrackingSettings(MlflowSettings mlflow) implements Serializable {

    /** The defaults of {@code conf/spark-lamb-defaults.conf}. */
    public static final TrackingSettings DEFAULT = new TrackingSettings(MlflowSettings.DEFAULT);

    public TrackingSettings {
        java.util.Objects.requireNonNull(mlflow, "spark-lamb.tracking.mlflow");
    }
}
