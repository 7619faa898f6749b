package dev.sparklamb.spark.device;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DeviceSettings;
import java.util.List;
import java.util.Map;

/**
 * Decides where a task runs its replica, from the task's Spark resources, the ND4J backend this JVM loaded and
 * {@code spark-lamb.device}. Pure: the same inputs always give the same choice or the same error, so every rule is
 * tested with synthetic resource maps (no GPU needed).
 *
 * <p>Rules ({@code conf/spark-lamb-defaults.conf} documents them for users):
 * <ul>
 *   <li>A task may hold at most one address of the GPU resource (a replica uses one device).</li>
 *   <li>{@code cpu}: the CPU; the CUDA backend is an error (it cannot compute on the CPU).</li>
 *   <li>{@code gpu}: the assigned GPU; none assigned is an error; the CPU backend is an error unless
 *       {@code cpu-fallback}.</li>
 *   <li>{@code auto}: an assigned GPU is used as in {@code gpu}; with none assigned, the CPU backend runs on the CPU,
 *       and the CUDA backend lets ND4J pick the GPU in local mode only (a cluster must assign GPUs, else two executors
 *       on one host could share a GPU unknowingly).</li>
 *   <li>An address must be a CUDA device index that ND4J sees; the GPU's compute capability must be one the CUDA
 *       build supports ({@link GpuSupport}).</li>
 * </ul>
 */
public final class DeviceSelection {

    private DeviceSelection() {
    }

    /**
     * @param settings  {@code spark-lamb.device}
     * @param resources the task's resources, name to addresses ({@code TaskContext.resourcesJMap()}); empty outside
     *                  a task and in local mode
     * @param localMode whether the task runs inside the driver JVM (Spark's {@code local[*]} master), where Spark
     *                  assigns no resources
     * @param backend   the ND4J backend of this JVM and its devices
     * @throws ConfigurationException naming what is missing or wrong (the Spark setting, the backend, the address, the
     *                                device): a configuration error, exit code 2
     */
    public static DeviceChoice select(DeviceSettings settings, Map<String, List<String>> resources, boolean localMode,
                                      BackendInfo backend) {
        String resource = settings.gpuResource();
        List<String> assigned = resources.getOrDefault(resource, List.of());
        if (assigned.size() > 1) {
            throw new ConfigurationException("the task was assigned " + assigned.size() + " GPUs " + assigned + " (Spark resource '"
                    + resource + "'), but a replica uses one device: set spark.task.resource." + resource + ".amount to 1, or "
                    + "to a fraction such as 0.5 to let tasks share a GPU");
        }
        return switch (settings.type()) {
            case CPU -> cpu(assigned, backend, resource);
            case GPU -> {
                if (assigned.isEmpty()) {
                    throw noGpuAssigned("spark-lamb.device.type = gpu", resource, localMode);
                }
                yield assignedGpu(assigned.get(0), settings, backend, resource);
            }
            default -> auto(assigned, settings, localMode, backend, resource);
        };
    }

    /**
     * The driver builds the model and applies the optimizer with the same backend: with CUDA, the GPU its thread uses
     * ({@code device}) must exist and be supported. Nothing to check on the CPU backend.
     *
     * @throws ConfigurationException naming the driver's problem
     */
    public static void requireDriverSupported(BackendInfo backend, int device) {
        if (!backend.cuda()) {
            return;
        }
        if (device < 0 || device >= backend.gpus().size()) {
            throw new ConfigurationException("the driver: ND4J's " + backend.name() + " backend uses device " + device + " but sees "
                    + backend.gpus().size() + " GPU(s); the CUDA build needs a GPU on the driver too (it builds the model and "
                    + "applies the optimizer)");
        }
        try {
            GpuSupport.requireSupported(backend.gpus().get(device));
        } catch (ConfigurationException e) {
            throw new ConfigurationException("the driver: " + e.getMessage(), e);
        }
    }

    private static DeviceChoice cpu(List<String> assigned, BackendInfo backend, String resource) {
        if (backend.cuda()) {
            throw new ConfigurationException("spark-lamb.device.type = cpu, but ND4J loaded its " + backend.name() + " backend, which "
                    + "computes on GPUs only: use the CPU application jar (built without -Pcuda), or set spark-lamb.device.type "
                    + "to gpu or auto");
        }
        return DeviceChoice.cpu("spark-lamb.device.type = cpu" + (assigned.isEmpty() ? ""
                : "; the GPU Spark assigned (resource '" + resource + "', address " + assigned.get(0) + ") stays unused"));
    }

    private static DeviceChoice auto(List<String> assigned, DeviceSettings settings, boolean localMode, BackendInfo backend,
                                     String resource) {
        if (!assigned.isEmpty()) {
            return assignedGpu(assigned.get(0), settings, backend, resource);
        }
        if (!backend.cuda()) {
            return DeviceChoice.cpu("spark-lamb.device.type = auto, no GPU assigned, ND4J's " + backend.name() + " backend");
        }
        if (!localMode) {
            throw noGpuAssigned("spark-lamb.device.type = auto with ND4J's " + backend.name() + " backend", resource, false);
        }
        if (backend.gpus().isEmpty()) {
            throw new ConfigurationException("ND4J's " + backend.name() + " backend sees no GPU in this JVM (spark-lamb.device.type = auto, "
                    + "local mode)");
        }
        backend.gpus().forEach(GpuSupport::requireSupported);
        return DeviceChoice.backendDefault("spark-lamb.device.type = auto, local mode: Spark assigns no GPUs, ND4J picks among "
                + backend.gpus().size());
    }

    private static DeviceChoice assignedGpu(String address, DeviceSettings settings, BackendInfo backend, String resource) {
        if (!backend.cuda()) {
            if (settings.cpuFallback()) {
                return DeviceChoice.cpu("FALLBACK: GPU " + address + " (resource '" + resource + "') was requested, but ND4J loaded "
                        + "its " + backend.name() + " backend; spark-lamb.device.cpu-fallback = true");
            }
            throw new ConfigurationException("Spark assigned GPU " + address + " (resource '" + resource + "') to the task and "
                    + "spark-lamb.device.type = " + settings.type() + ", but ND4J loaded its " + backend.name() + " backend (the "
                    + "application jar was built without -Pcuda, or ND4J could not load CUDA on this host): build with "
                    + "`mvn -Pcuda package`, or set spark-lamb.device.type = cpu, or spark-lamb.device.cpu-fallback = true to run "
                    + "on the CPU anyway");
        }
        int index = deviceIndex(address, resource);
        if (index >= backend.gpus().size()) {
            throw new ConfigurationException("Spark assigned GPU address " + address + " (resource '" + resource + "'), but ND4J sees "
                    + (backend.gpus().isEmpty() ? "no CUDA device" : backend.gpus().size() + " CUDA device(s), indexes 0 to "
                    + (backend.gpus().size() - 1)) + " in this executor: the discovery script must print the indexes CUDA "
                    + "uses in the executor (renumbered from 0 when CUDA_VISIBLE_DEVICES is set; conf/gpu-discovery.sh does this)");
        }
        GpuInfo gpu = backend.gpus().get(index);
        GpuSupport.requireSupported(gpu);
        return DeviceChoice.assigned(index, "assigned by Spark, resource '" + resource + "': " + gpu);
    }

    private static int deviceIndex(String address, String resource) {
        int index;
        try {
            index = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0) {
            throw new ConfigurationException("Spark assigned GPU address '" + address + "' (resource '" + resource + "'), which is not a "
                    + "CUDA device index (an integer >= 0): the discovery script (spark.executor.resource." + resource
                    + ".discoveryScript) must print indexes such as {\"name\":\"" + resource + "\",\"addresses\":[\"0\",\"1\"]}, "
                    + "as conf/gpu-discovery.sh does");
        }
        return index;
    }

    private static ConfigurationException noGpuAssigned(String what, String resource, boolean localMode) {
        String fix = localMode
                ? "in local mode Spark assigns no resources to tasks: use spark-lamb.device.type = auto there (ND4J then picks "
                        + "the GPU), or a cluster master"
                : "set spark.executor.resource." + resource + ".amount, spark.task.resource." + resource + ".amount and "
                        + "spark.executor.resource." + resource + ".discoveryScript (see the GPU section of conf/spark-defaults.conf)";
        return new ConfigurationException(what + ", but Spark assigned this task no GPU (no '" + resource + "' resource): " + fix);
    }
}
