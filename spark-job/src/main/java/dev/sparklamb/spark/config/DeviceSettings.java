package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.List;

/**
 * Where executors run the network ({@code spark-lamb.device}): see {@code conf/spark-lamb-defaults.conf} for the
 * meaning of each value and {@code dev.sparklamb.spark.device.DeviceSelection} for the rules.
 *
 * @param type        {@value #AUTO}, {@value #GPU} or {@value #CPU}
 * @param cpuFallback with {@code type} gpu (or auto with a GPU assigned) and ND4J's CPU backend loaded: true runs on
 *                    the CPU with a warning, false fails
 * @param gpuResource the Spark resource name of the GPUs ({@code spark.task.resource.<name>.amount})
 */
public record DeviceSettings(String type, boolean cpuFallback, String gpuResource) implements Serializable {

    public static final String AUTO = "auto";
    public static final String GPU = "gpu";
    public static final String CPU = "cpu";
    public static final List<String> TYPES = List.of(AUTO, GPU, CPU);

    /** The defaults of {@code conf/spark-lamb-defaults.conf}: auto, no CPU fallback, resource "gpu". */
    public static final DeviceSettings DEFAULT = new DeviceSettings(AUTO, false, "gpu");

    public DeviceSettings {
        if (!TYPES.contains(type)) {
            throw new ConfigurationException("spark-lamb.device.type: expected one of " + TYPES + ", got '" + type + "'");
        }
        if (gpuResource == null || gpuResource.isBlank()) {
            throw new ConfigurationException("spark-lamb.device.gpu-resource must not be empty");
        }
    }
}
