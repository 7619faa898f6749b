package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The application jar for spark-submit: self-contained for our code, and no class that clashes with the cluster's. */
class ShadedJarIT {

    /**
     * Classes that may be both in the application jar and in a jar Spark provides, under the same name. Empty: every
     * overlap found so far was removed by excluding the artifact (same version on the cluster) or relocating it.
     */
    static final Set<String> ALLOWED_DUPLICATES = Set.of();

    /** Packages the cluster owns: the application jar must not carry them unrelocated. */
    static final List<String> CLUSTER_PACKAGES = List.of("org/apache/spark/", "scala/", "org/apache/hadoop/", "org/slf4j/",
            "org/apache/logging/log4j/", "com/fasterxml/jackson/", "com/google/common/", "com/google/gson/", "io/netty/",
            "com/esotericsoftware/", "org/apache/commons/io/", "com/google/flatbuffers/", "org/apache/commons/lang3/",
            "org/apache/commons/math3/", "org/apache/commons/compress/", "org/apache/commons/collections4/", "org/apache/commons/codec/",
            "org/apache/commons/collections/", "org/joda/time/", "com/clearspring/analytics/");

    /**
     * Classes of the application jar that live in a cluster package without being in any cluster jar: dl4j-spark's
     * {@code TaskContextHelper} sits in {@code org.apache.spark} to reach package-private API, so it cannot be relocated.
     */
    static final Set<String> ALLOWED_IN_CLUSTER_PACKAGES = Set.of("org/apache/spark/TaskContextHelper.class",
            "org/apache/spark/TaskContextHelper$.class");

    @Test
    void noClassOfTheJarIsAlsoInSparksJars() throws Exception {
        assertThat(AppJar.APP_JAR).as("run `mvn package` first").exists();
        Set<String> app = AppJar.classes(AppJar.APP_JAR);
        List<Path> cluster = AppJar.clusterJars(app);
        assertThat(cluster).as("Spark's own jars are not in the application jar")
                .anyMatch(p -> p.getFileName().toString().startsWith("spark-core_"));

        Map<String, Set<String>> duplicates = new TreeMap<>();
        for (Path jar : cluster) {
            for (String c : AppJar.classes(jar)) {
                if (app.contains(c) && !ALLOWED_DUPLICATES.contains(c)) {
                    duplicates.computeIfAbsent(c, k -> new TreeSet<>()).add(jar.getFileName().toString());
                }
            }
        }
        assertThat(duplicates).as("classes in both the application jar and the cluster's jars").isEmpty();

        List<String> owned = app.stream().filter(c -> CLUSTER_PACKAGES.stream().anyMatch(c::startsWith))
                .filter(c -> !ALLOWED_IN_CLUSTER_PACKAGES.contains(c)).limit(20).toList();
        assertThat(owned).as("unrelocated classes of packages the cluster provides").isEmpty();
    }

    @Test
    void carriesOurCodeTheNativesAndTheMainClass() throws Exception {
        Set<String> app = AppJar.classes(AppJar.APP_JAR);
        assertThat(app).contains("dev/sparklamb/submit/SparkLambCli.class", "dev/sparklamb/spark/train/SparkTrainer.class",
                "org/nd4j/linalg/cpu/nativecpu/CpuBackend.class", "picocli/CommandLine.class");
        try (JarFile jar = new JarFile(AppJar.APP_JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(SparkLambCli.class.getName());
            assertThat(jar.getEntry("org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so")).isNotNull();
            assertThat(jar.getEntry("org/bytedeco/openblas/linux-x86_64/libopenblas.so.0")).isNotNull();
            assertThat(jar.stream().map(e -> e.getName()).filter(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA)")).toList())
                    .as("signature files").isEmpty();
        }
        System.out.printf("spark-lamb-app.jar: %.1f MB, %d classes%n", Files.size(AppJar.APP_JAR) / 1e6, app.size());
    }
}
