package dev.sparklamb.spark.device;

import java.io.Serializable;

/**
 * One CUDA device as ND4J reports it ({@code Nd4j.getExecutioner().getEnvironmentInformation()}).
 *
 * @param index CUDA device index (after {@code CUDA_VISIBLE_DEVICES})
 * @param name  the device's name, e.g. "NVIDIA A100-SXM4-40GB"
 * @param major compute capability, major part
 * @param minor compute capability, minor part
 */
public record GpuInfo(int index, String name, int major, int minor) implements Serializable {

    public String computeCapability() {
        return major + "." + minor;
    }

    @Override
    public String toString() {
        return "GPU " + index + " '" + name + "' (compute capability " + computeCapability() + ")";
    }
}
