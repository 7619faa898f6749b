package dev.sparklamb.spark.device;

import java.io.Serializable;
import java.util.List;

/**
 * The ND4J backend this JVM loaded and, for CUDA, the devices it sees.
 *
 * @param name "CPU" or "CUDA" (ND4J's {@code backend} environment property), for messages
 * @param cuda true for ND4J's CUDA backend
 * @param gpus the CUDA devices in index order; empty for the CPU backend
 */
public record BackendInfo(String name, boolean cuda, List<GpuInfo> gpus) implements Serializable {

    public BackendInfo {
        gpus = List.copyOf(gpus);
    }

    public static BackendInfo cpu() {
        return new BackendInfo("CPU", false, List.of());
    }

    public static BackendInfo cuda(List<GpuInfo> gpus) {
        return new BackendInfo("CUDA", true, gpus);
    }
}
