package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code conf/gpu-discovery.sh} with a fake {@code nvidia-smi} first on the PATH: its output is parsed by Spark's own
 * {@link ResourceInformation#parseJson(String)}, as an executor does at start.
 */
class GpuDiscoveryScriptTest {

    static final Path PROJECT = Paths.get(System.getProperty("sparklamb.project.dir", "..")).toAbsolutePath().normalize();
    static final Path SCRIPT = PROJECT.resolve("conf/gpu-discovery.sh");

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    /** A PATH holding only a fake nvidia-smi that runs {@code body} (or no nvidia-smi when body is null). */
    Path fakePath(String body) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        if (body != null) {
            Path smi = bin.resolve("nvidia-smi");
            Files.writeString(smi, "#!/bin/sh\n" + body + "\n");
            Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    Result run(Path path, Map<String, String> env) throws Exception {
        String bash = Files.isExecutable(Paths.get("/bin/bash")) ? "/bin/bash" : "/usr/bin/bash";
        ProcessBuilder pb = new ProcessBuilder(bash, SCRIPT.toString());
        pb.environment().clear();
        pb.environment().put("PATH", path.toString());
        pb.environment().putAll(env);
        pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("script finished").isTrue();
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8).trim(),
                Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8).trim());
    }

    static List<String> addresses(Result r, String name) {
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isZero();
        ResourceInformation info = ResourceInformation.parseJson(r.out());
        assertThat(info.name()).isEqualTo(name);
        return List.of(info.addresses());
    }

    @Test
    void printsNvidiaSmiIndexesAsSparkJson() throws Exception {
        Result r = run(fakePath("printf '0\\n1\\n2\\n3\\n'"), Map.of());
        assertThat(r.out()).isEqualTo("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\",\"3\"]}");
        assertThat(addresses(r, "gpu")).containsExactly("0", "1", "2", "3");
    }

    @Test
    void oneGpuAndTheConfiguredResourceName() throws Exception {
        Result r = run(fakePath("echo ' 0 '"), Map.of("SPARK_LAMB_GPU_RESOURCE", "nvidia"));
        assertThat(addresses(r, "nvidia")).containsExactly("0");
    }

    @Test
    void noGpuGivesAnEmptyList() throws Exception {
        assertThat(addresses(run(fakePath("true"), Map.of()), "gpu")).isEmpty();
    }

    @Test
    void visibleDevicesAreRenumberedFromZeroAsCudaDoes() throws Exception {
        Path path = fakePath("printf '0\\n1\\n2\\n3\\n'");
        assertThat(addresses(run(path, Map.of("CUDA_VISIBLE_DEVICES", "2,3")), "gpu")).containsExactly("0", "1");
        assertThat(addresses(run(path, Map.of("CUDA_VISIBLE_DEVICES", "GPU-8e6c1a2b")), "gpu")).containsExactly("0");
        assertThat(addresses(run(path, Map.of("CUDA_VISIBLE_DEVICES", "")), "gpu")).isEmpty();
    }

    @Test
    void missingNvidiaSmiFailsWithAMessage() throws Exception {
        Result r = run(fakePath(null), Map.of());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("nvidia-smi is not on the PATH").contains("spark.executor.resource.gpu.amount");
    }

    @Test
    void failingNvidiaSmiFailsWithItsMessage() throws Exception {
        Result r = run(fakePath("echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'; exit 9"),
                Map.of());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("failed").contains("could not communicate with the NVIDIA driver");
    }

    @Test
    void unexpectedNvidiaSmiOutputFailsNamingIt() throws Exception {
        Result r = run(fakePath("echo 'No devices were found'"), Map.of());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("'No devices were found'").contains("where a GPU index was expected");
    }
}
