package dev.sparklamb.spark.device;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DeviceSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the calling task's thread on its device before it builds or uses a replica: reads the task's resources
 * ({@link TaskContext#resourcesJMap()}) and the ND4J backend of this JVM, lets {@link DeviceSelection} decide, and
 * pins ND4J to the chosen GPU with {@code Nd4j.getAffinityManager().unsafeSetDevice(index)}. ND4J's CUDA backend
 * binds each thread to one device (new threads round-robin over all visible GPUs), so every task sets it again: Spark
 * reuses threads across tasks with different GPUs.
 */
public final class ExecutorDevice {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorDevice.class);
    private static volatile BackendInfo backend;
    private static ConfigurationException failure;
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private ExecutorDevice() {
    }

    /**
     * Selects and pins this thread's device.
     *
     * @return the ND4J device index the thread now uses (0 on the CPU backend): replicas are kept per device
     * @throws ConfigurationException naming what is missing or wrong
     */
    public static int prepare(DeviceSettings settings) {
        BackendInfo b = backend();
        TaskContext task = TaskContext.get();
        Map<String, List<String>> resources = task == null ? Map.of() : addresses(task.resourcesJMap());
        DeviceChoice choice = DeviceSelection.select(settings, resources, task == null || inDriver(), b);
        if (choice.kind() == DeviceChoice.Kind.ASSIGNED_GPU) {
            Nd4j.getAffinityManager().unsafeSetDevice(choice.gpu());
        }
        int device = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        String line = choice + (choice.kind() == DeviceChoice.Kind.CPU ? "" : ", ND4J device " + device);
        if (LOGGED.add(line)) {
            if (choice.reason().startsWith("FALLBACK")) {
                LOG.warn("executor {} runs replicas on the CPU: {}", executorId(), line);
            } else {
                LOG.info("executor {} runs replicas on {}", executorId(), line);
            }
        }
        return device;
    }

    /**
     * On the driver, before it builds its copy of the model (it holds the model and applies the optimizer with the same
     * backend): the backend starts, and with CUDA the GPU the driver's thread uses is one the build supports. Nothing to
     * check on the CPU backend.
     *
     * @throws ConfigurationException naming the driver's problem
     */
    public static void requireDriverSupported() {
        BackendInfo b = backend();
        DeviceSelection.requireDriverSupported(b, b.cuda() ? Nd4j.getAffinityManager().getDeviceForCurrentThread() : -1);
    }

    /** Name to addresses, from Spark's resource map. */
    static Map<String, List<String>> addresses(Map<String, ResourceInformation> resources) {
        Map<String, List<String>> result = new LinkedHashMap<>();
        resources.forEach((name, info) -> result.put(name, Arrays.asList(info.addresses())));
        return result;
    }

    /**
     * The backend this JVM loaded, read once. A backend that cannot start fails (now and on every later call) naming the
     * executor, ND4J's reason and what each build needs.
     */
    public static BackendInfo backend() {
        BackendInfo b = backend;
        if (b == null) {
            synchronized (ExecutorDevice.class) {
                if (failure != null) {
                    throw failure;
                }
                if (backend == null) {
                    try {
                        backend = detect();
                    } catch (ConfigurationException e) {
                        failure = e;
                        throw e;
                    }
                }
                b = backend;
            }
        }
        return b;
    }

    private static BackendInfo detect() {
        try {
            if (Nd4j.getEnvironment().isCPU()) {
                return BackendInfo.cpu();
            }
            Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
            List<GpuInfo> gpus = new ArrayList<>();
            Object list = p.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY);
            if (list instanceof List<?> devices) {
                for (int i = 0; i < devices.size(); i++) {
                    Map<?, ?> d = (Map<?, ?>) devices.get(i);
                    gpus.add(new GpuInfo(i, String.valueOf(d.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY)),
                            ((Number) d.get(Nd4jEnvironment.CUDA_DEVICE_MAJOR_VERSION_KEY)).intValue(),
                            ((Number) d.get(Nd4jEnvironment.CUDA_DEVICE_MINOR_VERSION_KEY)).intValue()));
                }
            }
            return BackendInfo.cuda(gpus);
        } catch (RuntimeException | LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new ConfigurationException("ND4J could not start a backend on executor " + executorId() + " (" + root + "). "
                    + "With the CUDA build (-Pcuda) this means CUDA cannot be loaded on this host: no NVIDIA driver "
                    + "(libcuda.so.1) or no GPU; ND4J's log line 'Skipped [JCublasBackend] backend (unavailable)' gives the "
                    + "reason. The CUDA build needs an NVIDIA driver that supports CUDA 11.6 and GPUs of compute capability "
                    + GpuSupport.range() + "; the CPU build needs linux-x86_64", e);
        }
    }

    private static boolean inDriver() {
        SparkEnv env = SparkEnv.get();
        return env == null || "driver".equals(env.executorId()); // SparkContext.DRIVER_IDENTIFIER, package-private in Scala;
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "(no Spark)" : env.executorId();
    }
}
