package dev.sparklamb.spark.device;

import dev.sparklamb.spark.config.ConfigurationException;
import java.util.List;

/**
 * Which GPUs the CUDA build can run on. The native library of {@code org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1:linux-x86_64}
 * ({@code libnd4jcuda.so}) holds, in each of its fat binaries, machine code (cubin) for exactly the architectures of
 * {@link #BUILT_ARCHITECTURES} and no PTX (read from its fat-binary headers; see README, "GPU executors"). Without PTX
 * nothing can be compiled for a newer architecture at run time, and CUDA runs a cubin built for compute capability
 * X.y only on devices X.z with z >= y. So a device is supported when one of the built architectures has its major
 * version and a minor version not above its own: 3.7 and every 5.x, 6.x, 7.x and 8.x (Kepler GK210 to Ampere;
 * Ada 8.9 through the 8.6 code, untested), but not 3.5 or older, nor Hopper 9.0 or anything newer. This check fails
 * such a device before a replica is built, naming it, instead of a kernel failing mid-run.
 */
public final class GpuSupport {

    /** The cubin architectures in ND4J's CUDA 11.6 build, as major * 10 + minor. */
    public static final List<Integer> BUILT_ARCHITECTURES = List.of(37, 50, 52, 60, 61, 70, 75, 80, 86);

    private GpuSupport() {
    }

    /** Whether one of {@link #BUILT_ARCHITECTURES} runs on {@code gpu} (same major, minor not above the GPU's). */
    public static boolean supported(GpuInfo gpu) {
        return BUILT_ARCHITECTURES.stream().anyMatch(a -> a / 10 == gpu.major() && a % 10 <= gpu.minor());
    }

    /** @throws ConfigurationException naming the device when the CUDA build cannot run on it */
    public static void requireSupported(GpuInfo gpu) {
        if (!supported(gpu)) {
            throw new ConfigurationException(gpu + " cannot run ND4J's CUDA 11.6 build (1.0.0-M2.1): it carries machine code "
                    + "for compute capability " + range() + " only (Kepler GK210 to Ampere; not Hopper 9.0 or newer, no PTX to "
                    + "compile for other GPUs). Use a GPU in that range, or the CPU build with spark-lamb.device.type = cpu");
        }
    }

    /** "3.7 to 8.x", for messages. */
    static String range() {
        int first = BUILT_ARCHITECTURES.get(0);
        int last = BUILT_ARCHITECTURES.get(BUILT_ARCHITECTURES.size() - 1);
        return first / 10 + "." + first % 10 + " to " + last / 10 + ".x";
    }
}
