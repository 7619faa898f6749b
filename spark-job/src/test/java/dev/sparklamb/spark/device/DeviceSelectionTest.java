package dev.sparklamb.spark.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DeviceSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every rule of {@link DeviceSelection} with synthetic task resource maps and synthetic backends (no GPU needed), and
 * {@link ExecutorDevice} on this JVM's real (CPU) backend.
 */
class DeviceSelectionTest {

    static final DeviceSettings AUTO = DeviceSettings.DEFAULT;
    static final DeviceSettings GPU = new DeviceSettings("gpu", false, "gpu");
    static final DeviceSettings GPU_OR_CPU = new DeviceSettings("gpu", true, "gpu");
    static final DeviceSettings CPU = new DeviceSettings("cpu", false, "gpu");

    static final BackendInfo CPU_BACKEND = BackendInfo.cpu();
    /** Two Ampere GPUs (A100 8.0, A10 8.6). */
    static final BackendInfo TWO_AMPERE = BackendInfo.cuda(List.of(new GpuInfo(0, "A100", 8, 0), new GpuInfo(1, "A10", 8, 6)));
    static final Map<String, List<String>> NONE = Map.of();

    static Map<String, List<String>> gpus(String... addresses) {
        return Map.of("gpu", List.of(addresses));
    }

    static ConfigurationException fails(DeviceSettings s, Map<String, List<String>> resources, boolean local, BackendInfo backend,
                                 String... parts) {
        Throwable e = catchThrowable(() -> DeviceSelection.select(s, resources, local, backend));
        assertThat(e).isInstanceOf(ConfigurationException.class);
        for (String part : parts) {
            assertThat(e.getMessage()).contains(part);
        }
        return (ConfigurationException) e;
    }

    // --- auto

    @Test
    void autoWithAnAssignedGpuPinsThatGpu() {
        DeviceChoice c = DeviceSelection.select(AUTO, gpus("1"), false, TWO_AMPERE);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.ASSIGNED_GPU);
        assertThat(c.gpu()).isEqualTo(1);
        assertThat(c.toString()).contains("GPU 1").contains("A10").contains("8.6");
    }

    @Test
    void autoWithoutGpuOnTheCpuBackendRunsOnTheCpu() {
        for (boolean local : new boolean[] {true, false}) {
            DeviceChoice c = DeviceSelection.select(AUTO, NONE, local, CPU_BACKEND);
            assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.CPU);
            assertThat(c.gpu()).isEqualTo(-1);
        }
    }

    @Test
    void autoWithOtherResourcesOnlyRunsOnTheCpu() {
        DeviceChoice c = DeviceSelection.select(AUTO, Map.of("fpga", List.of("0")), false, CPU_BACKEND);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.CPU);
    }

    @Test
    void autoWithAnAssignedGpuButTheCpuBackendFailsNamingTheBackendAndTheFixes() {
        fails(AUTO, gpus("0"), false, CPU_BACKEND, "GPU 0", "resource 'gpu'", "CPU backend", "-Pcuda",
                "spark-lamb.device.cpu-fallback = true", "spark-lamb.device.type = cpu");
    }

    @Test
    void autoWithAnAssignedGpuAndCpuFallbackRunsOnTheCpu() {
        DeviceChoice c = DeviceSelection.select(new DeviceSettings("auto", true, "gpu"), gpus("0"), false, CPU_BACKEND);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.CPU);
        assertThat(c.reason()).startsWith("FALLBACK").contains("cpu-fallback = true");
    }

    @Test
    void autoWithTheCudaBackendInLocalModeLetsNd4jPick() {
        DeviceChoice c = DeviceSelection.select(AUTO, NONE, true, TWO_AMPERE);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.BACKEND_DEFAULT_GPU);
        assertThat(c.gpu()).isEqualTo(-1);
    }

    @Test
    void autoWithTheCudaBackendOnAClusterWithoutAssignedGpuFailsNamingTheSparkSettings() {
        fails(AUTO, NONE, false, TWO_AMPERE, "no GPU", "spark.executor.resource.gpu.amount", "spark.task.resource.gpu.amount",
                "spark.executor.resource.gpu.discoveryScript", "conf/spark-defaults.conf");
    }

    @Test
    void autoWithTheCudaBackendInLocalModeButNoGpuFails() {
        fails(AUTO, NONE, true, BackendInfo.cuda(List.of()), "sees no GPU");
    }

    @Test
    void autoInLocalModeChecksEveryGpuNd4jMayPick() {
        BackendInfo mixed = BackendInfo.cuda(List.of(new GpuInfo(0, "A10", 8, 6), new GpuInfo(1, "H100", 9, 0)));
        fails(AUTO, NONE, true, mixed, "GPU 1 'H100'", "compute capability 9.0", "3.7 to 8.x");
    }

    // --- gpu

    @Test
    void gpuPinsTheAssignedGpu() {
        DeviceChoice c = DeviceSelection.select(GPU, gpus("0"), false, TWO_AMPERE);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.ASSIGNED_GPU);
        assertThat(c.gpu()).isZero();
    }

    @Test
    void gpuWithoutAssignedGpuOnAClusterFailsNamingTheSparkSettings() {
        fails(GPU, NONE, false, TWO_AMPERE, "spark-lamb.device.type = gpu", "no GPU", "spark.task.resource.gpu.amount",
                "spark.executor.resource.gpu.discoveryScript");
    }

    @Test
    void gpuInLocalModeFailsExplainingThatLocalModeAssignsNoResources() {
        fails(GPU, NONE, true, TWO_AMPERE, "spark-lamb.device.type = gpu", "local mode", "spark-lamb.device.type = auto");
    }

    @Test
    void gpuUsesTheConfiguredResourceName() {
        DeviceSettings named = new DeviceSettings("gpu", false, "nvidia");
        assertThat(DeviceSelection.select(named, Map.of("nvidia", List.of("1")), false, TWO_AMPERE).gpu()).isEqualTo(1);
        fails(named, gpus("0"), false, TWO_AMPERE, "no 'nvidia' resource", "spark.task.resource.nvidia.amount");
    }

    @Test
    void gpuWithTheCpuBackendFailsUnlessCpuFallback() {
        fails(GPU, gpus("0"), false, CPU_BACKEND, "spark-lamb.device.type = gpu", "CPU backend", "-Pcuda");
        DeviceChoice c = DeviceSelection.select(GPU_OR_CPU, gpus("0"), false, CPU_BACKEND);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.CPU);
        assertThat(c.reason()).startsWith("FALLBACK");
    }

    @Test
    void cpuFallbackDoesNotExcuseAMissingAssignment() {
        fails(GPU_OR_CPU, NONE, false, CPU_BACKEND, "no GPU");
    }

    @ParameterizedTest
    @CsvSource({"GPU-5f3c, not a CUDA device index", "-1, not a CUDA device index", "'', not a CUDA device index",
        "2, indexes 0 to 1", "7, indexes 0 to 1"})
    void anAddressThatIsNotADeviceIndexOfThisExecutorFails(String address, String expected) {
        fails(GPU, gpus(address), false, TWO_AMPERE, "address", expected, "conf/gpu-discovery.sh");
    }

    @Test
    void anAddressWithTheCudaBackendSeeingNoDeviceFails() {
        fails(GPU, gpus("0"), false, BackendInfo.cuda(List.of()), "no CUDA device");
    }

    @Test
    void moreThanOneAssignedGpuFailsNamingTheTaskAmount() {
        fails(AUTO, gpus("0", "1"), false, TWO_AMPERE, "2 GPUs [0, 1]", "spark.task.resource.gpu.amount to 1");
        fails(CPU, gpus("0", "1"), false, CPU_BACKEND, "2 GPUs");
    }

    @ParameterizedTest
    @CsvSource({"Tesla K80, 3, 7, true", "GTX 980, 5, 2, true", "GTX 1080, 6, 1, true", "V100, 7, 0, true", "T4, 7, 5, true",
        "A100, 8, 0, true", "RTX 3090, 8, 6, true", "RTX 4090, 8, 9, true",
        "Tesla K40, 3, 5, false", "Tesla K20, 3, 0, false", "GTX 480, 2, 0, false", "H100, 9, 0, false", "B200, 10, 0, false"})
    void computeCapabilityMustBeOneTheCudaBuildSupports(String name, int major, int minor, boolean supported) {
        BackendInfo one = BackendInfo.cuda(List.of(new GpuInfo(0, name, major, minor)));
        assertThat(GpuSupport.supported(one.gpus().get(0))).isEqualTo(supported);
        if (supported) {
            assertThat(DeviceSelection.select(GPU, gpus("0"), false, one).gpu()).isZero();
        } else {
            fails(GPU, gpus("0"), false, one, "GPU 0 '" + name + "'", "compute capability " + major + "." + minor, "3.7 to 8.x");
        }
    }

    // --- cpu

    @Test
    void cpuRunsOnTheCpuEvenWithAnAssignedGpu() {
        assertThat(DeviceSelection.select(CPU, NONE, false, CPU_BACKEND).kind()).isEqualTo(DeviceChoice.Kind.CPU);
        DeviceChoice c = DeviceSelection.select(CPU, gpus("0"), false, CPU_BACKEND);
        assertThat(c.kind()).isEqualTo(DeviceChoice.Kind.CPU);
        assertThat(c.reason()).contains("stays unused");
    }

    @Test
    void cpuWithTheCudaBackendFails() {
        fails(CPU, NONE, true, TWO_AMPERE, "spark-lamb.device.type = cpu", "CUDA backend", "without -Pcuda");
    }

    @Test
    void settingsRejectAnUnknownTypeAndAnEmptyResourceName() {
        assertThat(catchThrowable(() -> new DeviceSettings("tpu", false, "gpu"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.device.type").hasMessageContaining("tpu");
        assertThat(catchThrowable(() -> new DeviceSettings("gpu", false, ""))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.device.gpu-resource");
    }

    // --- the driver

    @Test
    void theDriverNeedsASupportedGpuWithTheCudaBackendAndNothingWithTheCpuBackend() {
        DeviceSelection.requireDriverSupported(CPU_BACKEND, -1);
        DeviceSelection.requireDriverSupported(TWO_AMPERE, 1);
        BackendInfo hopper = BackendInfo.cuda(List.of(new GpuInfo(0, "H100", 9, 0)));
        assertThat(catchThrowable(() -> DeviceSelection.requireDriverSupported(hopper, 0))).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("the driver: GPU 0 'H100' (compute capability 9.0)").hasMessageContaining("3.7 to 8.x");
        assertThat(catchThrowable(() -> DeviceSelection.requireDriverSupported(BackendInfo.cuda(List.of()), 0)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("the driver").hasMessageContaining("sees 0 GPU(s)");
    }

    // --- this JVM (ND4J's CPU backend, no task)

    @Test
    void thisJvmHasTheCpuBackendAndRunsOnDeviceZero() {
        assertThat(ExecutorDevice.backend()).isEqualTo(BackendInfo.cpu());
        assertThat(ExecutorDevice.prepare(AUTO)).isZero();
        assertThat(ExecutorDevice.prepare(CPU)).isZero();
        ExecutorDevice.requireDriverSupported();
        Throwable e = catchThrowable(() -> ExecutorDevice.prepare(GPU));
        assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining("local mode");
    }
}
