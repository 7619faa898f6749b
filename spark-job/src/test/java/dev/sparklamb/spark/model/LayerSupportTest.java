package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.junit.jupiter.api.Test;

/**
 * Enumerates every concrete layer and graph-vertex configuration class of DL4J's {@code conf.layers} and
 * {@code conf.graph} packages (read from the deeplearning4j-nn jar itself) and checks that each is either supported
 * and contained in an equivalence-test network ({@link LayerEquivalenceTest}), or in the refused list with a reason;
 * and that {@code docs/models.md} lists each with the same status.
 */
class LayerSupportTest {

    static List<Class<?>> dl4jConfigurationClasses() throws IOException, ClassNotFoundException {
        Path jar = Path.of(Layer.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        List<Class<?>> out = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.contains("$")
                        || !(name.startsWith("org/deeplearning4j/nn/conf/layers/") || name.startsWith("org/deeplearning4j/nn/conf/graph/"))) {
                    continue;
                }
                Class<?> type = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false,
                        LayerSupportTest.class.getClassLoader());
                if (!Modifier.isAbstract(type.getModifiers()) && !type.isInterface()
                        && (Layer.class.isAssignableFrom(type) || GraphVertex.class.isAssignableFrom(type))) {
                    out.add(type);
                }
            }
        }
        return out;
    }

    @Test
    void everyDl4jLayerAndVertexClassIsEitherCoveredByAnEquivalenceTestOrRefused() throws Exception {
        List<Class<?>> all = dl4jConfigurationClasses();
        assertThat(all).as("the enumeration finds DL4J's classes").hasSizeGreaterThan(80);
        Set<Class<?>> covered = new HashSet<>();
        LayerEquivalenceTest.cases().forEach(c -> covered.addAll(c.configurationClasses()));
        SequenceLayerEquivalenceTest.cases().forEach(c -> covered.addAll(c.configurationClasses()));
        Set<Class<?>> supported = new HashSet<>(LayerSupport.SUPPORTED_LAYERS);
        supported.addAll(LayerSupport.SUPPORTED_VERTICES);

        Set<String> neither = new TreeSet<>();
        for (Class<?> type : all) {
            boolean isSupported = supported.contains(type);
            boolean isRefused = LayerSupport.refusedClasses().containsKey(type.getSimpleName());
            if (isSupported == isRefused) {
                neither.add(type.getName() + (isSupported ? " (both supported and refused)" : " (neither supported nor refused)"));
            }
            if (isSupported && !covered.contains(type)) {
                neither.add(type.getName() + " (supported but in no equivalence-test network)");
            }
        }
        assertThat(neither).as("classes without a decided status").isEmpty();
        assertThat(covered).as("equivalence tests contain only supported classes").allMatch(supported::contains);
        assertThat(covered).as("spark-lamb's own layers are covered by equivalence tests").containsAll(LayerSupport.OWN_LAYERS);
        assertThat(LayerSupport.refusedClasses().keySet()).as("refused names are real DL4J classes")
                .allMatch(n -> all.stream().anyMatch(t -> t.getSimpleName().equals(n)));
    }

    @Test
    void modelsDocumentListsEveryClassWithItsStatus() throws Exception {
        Path doc = Path.of(System.getProperty("sparklamb.project.dir", ".."), "docs", "models.md");
        List<String> lines = Files.readAllLines(doc);
        Set<String> problems = new TreeSet<>();
        for (Class<?> type : dl4jConfigurationClasses()) {
            String cell = "| `" + type.getSimpleName() + "` |";
            String line = lines.stream().filter(l -> l.startsWith(cell)).findFirst().orElse(null);
            if (line == null) {
                problems.add(type.getSimpleName() + ": missing");
                continue;
            }
            boolean supported = LayerSupport.SUPPORTED_LAYERS.contains(type) || LayerSupport.SUPPORTED_VERTICES.contains(type);
            if (supported != line.contains("| trained |")) {
                problems.add(type.getSimpleName() + ": status in docs/models.md disagrees with LayerSupport");
            }
        }
        assertThat(problems).isEmpty();
    }
}
