package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Where executors run the network ({@code spark-lamb.device}): see {@code conf/spark-lamb-defaults.conf} for the
 * meaning of each value and {@code dev.sparklamb.spark.device.DeviceSelection} for the rules.
 *
 * @param type        auto, gpu or cpu
 * @param cpuFallback with {@code type} gpu (or auto with a GPU assigned) and ND4J's CPU backend loaded: true runs on
 *                    the CPU with a warning, false fails
 * @param gpuResource the Spark resource name of the GPUs ({@code spark.task.resource.<name>.amount})
 */
public record DeviceSettings(DeviceType type, boolean cpuFallback, String gpuResource) implements Serializable {

    /** The defaults of {@code conf/spark-lamb-defaults.conf}: auto, no CPU fallback, resource "gpu". */
    public static final DeviceSettings DEFAULT = new DeviceSettings(DeviceType.AUTO, false, "gpu");

    public DeviceSettings {
        java.util.Objects.requireNonNull(type, DeviceType.KEY);
        if (gpuResource == null || gpuResource.isBlank()) {
            throw new ConfigurationException("spark-lamb.device.gpu-resource must not be empty");
        }
    }

    /** With the type as written in a configuration ({@code "auto"}, {@code "gpu"}, {@code "cpu"}). */
    public DeviceSettings(String type, boolean cpuFallback, String gpuResource) {
        this(DeviceType.parse(type), cpuFallback, gpuResource);
    }
}
