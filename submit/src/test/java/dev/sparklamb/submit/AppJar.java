package dev.sparklamb.submit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The shaded application jar ({@code target/spark-lamb-app.jar}) and the module's dependency jars folder
 * ({@code target/spark-lamb/jars}: every dependency, Spark included). A jar of that folder whose classes are all
 * inside the application jar was shaded into it; every other jar is what a stock Spark installation provides.
 */
final class AppJar {

    static final Path MODULE = Paths.get("").toAbsolutePath();
    static final Path APP_JAR = MODULE.resolve("target/spark-lamb-app.jar");
    static final Path JARS = MODULE.resolve("target/spark-lamb/jars");

    /** The shade plugin's relocations in submit/pom.xml, as class-name prefixes (original, relocated). */
    static final String[][] RELOCATIONS = {
        {"com/google/gson/", "dev/sparklamb/shaded/com/google/gson/"},
        {"com/google/thirdparty/", "dev/sparklamb/shaded/com/google/thirdparty/"},
    };

    private AppJar() {
    }

    /** Class names ("a/b/C.class") in a jar; multi-release copies folded onto their base name, module-info left out. */
    static Set<String> classes(Path jar) {
        Set<String> result = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class")) {
                    continue;
                }
                if (name.startsWith("META-INF/versions/")) {
                    String rest = name.substring("META-INF/versions/".length());
                    name = rest.substring(rest.indexOf('/') + 1);
                }
                if (!name.endsWith("module-info.class")) {
                    result.add(name);
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(jar.toString(), ex);
        }
        return result;
    }

    static String relocated(String className) {
        for (String[] r : RELOCATIONS) {
            if (className.startsWith(r[0])) {
                return r[1] + className.substring(r[0].length());
            }
        }
        return className;
    }

    /** The dependency jars not shaded into the application jar (Spark, Scala, Hadoop and what the cluster already has). */
    static List<Path> clusterJars(Set<String> appClasses) {
        List<Path> result = new ArrayList<>();
        try (Stream<Path> files = Files.list(JARS)) {
            for (Path jar : files.sorted().toList()) {
                String name = jar.getFileName().toString();
                if (!name.endsWith(".jar") || name.startsWith("spark-lamb-submit")) {
                    continue;
                }
                Set<String> own = classes(jar);
                if (own.isEmpty() || !own.stream().allMatch(c -> appClasses.contains(c) || appClasses.contains(relocated(c)))) {
                    result.add(jar);
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return result;
    }
}
