package dev.sparklamb.spark.config;

import java.io.Serializable;

/** Spark session settings used only when the trainer creates the session itself. */
public record SparkSettings(String master, String appName) implements Serializable {
}
