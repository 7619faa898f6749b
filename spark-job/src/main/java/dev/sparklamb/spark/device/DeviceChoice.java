package dev.sparklamb.spark.device;

/**
 * Where one task runs its replica.
 *
 * @param kind   CPU, the GPU Spark assigned, or ND4J's own choice of GPU (local mode only)
 * @param gpu    the CUDA device index for {@link Kind#ASSIGNED_GPU}; -1 otherwise
 * @param reason why, for the executor log
 */
public record DeviceChoice(Kind kind, int gpu, String reason) {

    public enum Kind {
        /** ND4J's CPU backend. */
        CPU,
        /** The GPU Spark assigned to the task: the task's thread is pinned to it. */
        ASSIGNED_GPU,
        /** ND4J's CUDA backend picks the GPU for the thread (local mode, where Spark assigns none). */
        BACKEND_DEFAULT_GPU
    }

    static DeviceChoice cpu(String reason) {
        return new DeviceChoice(Kind.CPU, -1, reason);
    }

    static DeviceChoice assigned(int gpu, String reason) {
        return new DeviceChoice(Kind.ASSIGNED_GPU, gpu, reason);
    }

    static DeviceChoice backendDefault(String reason) {
        return new DeviceChoice(Kind.BACKEND_DEFAULT_GPU, -1, reason);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "CPU (" + reason + ")";
            case ASSIGNED_GPU -> "GPU " + gpu + " (" + reason + ")";
            case BACKEND_DEFAULT_GPU -> "ND4J's default GPU (" + reason + ")";
        };
    }
}
