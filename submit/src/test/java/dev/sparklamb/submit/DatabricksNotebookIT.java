package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Scala notebook cell of {@code docs/databricks.md} (read from the file, between its {@code notebook-cell} markers,
 * so document and test cannot drift), run for real: in Spark's Scala REPL ({@code org.apache.spark.repl.Main}, started
 * through {@code SparkSubmit} exactly as {@code spark-shell} does) in its own JVM, whose classpath holds Spark's jars
 * and the REPL but no spark-lamb, DL4J or ND4J class, with the application jar attached ({@code --jars}) as a notebook
 * cluster library would be, on {@code local[2]} and real MNIST. Only the doc's first cell (paths and run length) is replaced by test values. The REPL
 * must finish without errors, its session must still be active after the cell, and the trained parameters must equal
 * those of a direct Java {@link SparkTrainer} run of the same configuration.
 */
class DatabricksNotebookIT {

    static final Path PROJECT = StandaloneClusterIT.PROJECT;
    static final Path DOC = PROJECT.resolve("docs/databricks.md");

    @TempDir
    Path tmp;

    /** The Scala code between the {@code <!-- NAME:begin -->} and {@code <!-- NAME:end -->} markers of docs/databricks.md. */
    static String cell(String name) throws IOException {
        Pattern pattern = Pattern.compile("<!-- " + name + ":begin -->\\s*```scala\\n(.*?)```\\s*<!-- " + name + ":end -->", Pattern.DOTALL);
        Matcher m = pattern.matcher(Files.readString(DOC, StandardCharsets.UTF_8));
        assertThat(m.find()).as("a ```scala block between <!-- %s:begin --> and <!-- %s:end --> in %s", name, name, DOC).isTrue();
        String cell = m.group(1);
        assertThat(m.find()).as("exactly one %s in %s", name, DOC).isFalse();
        return cell;
    }

    static String notebookCell() throws IOException {
        String cell = cell("notebook-cell");
        assertThat(cell).contains("new SparkTrainer(spark, config)");
        return cell;
    }

    /** The doc's first cell with test values: where the data and outputs are, and a short run. */
    private static String firstCell(Path train, Path test, Path outputDir) {
        return String.join("\n",
                "val trainPath = \"" + train + "\"",
                "val testPath = \"" + test + "\"",
                "val outputDir = \"" + outputDir + "\"",
                "val partitions = 2",
                "val globalBatch = 512",
                "val maxSteps = 3");
    }

    /** Runs {@code input} in the REPL and returns its output, after checking that it finished cleanly. */
    private String runRepl(String input) throws Exception {
        Path inputFile = tmp.resolve("input.scala");
        Files.writeString(inputFile, input);
        Path log = tmp.resolve("repl.log");
        Process repl = startRepl(inputFile, log);
        boolean done = repl.waitFor(300, TimeUnit.SECONDS);
        if (!done) {
            repl.descendants().forEach(ProcessHandle::destroyForcibly);
            repl.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done).as("the REPL finished in time; its output:%n%s", tail(out)).isTrue();
        assertThat(repl.exitValue()).as("REPL exit code; output:%n%s", tail(out)).isZero();
        assertThat(out).as("REPL output").doesNotContain("error:").doesNotContain("Exception").contains("REPL-DONE");
        return out;
    }

    private static void importMnist(Path train, Path test) throws IOException {
        try {
            RealMnist.importSubsets(train, test);
        } finally {
            stopActiveSession();
        }
    }

    private static SparkSession referenceSession() {
        return SparkSession.builder().master("local[2]").appName("reference")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .getOrCreate();
    }

    /**
     * The Estimator cell of docs/databricks.md in the same REPL setup: it fits, transforms, evaluates, saves and reloads
     * the model. The estimator as the cell configured it is saved from the REPL (its Params round trip), loaded here and
     * fitted directly from Java on the same data: the parameters of the REPL's saved model must equal that fit's.
     */
    @Test
    void theEstimatorCellFitsTransformsAndSavesInASparkScalaRepl() throws Exception {
        assertThat(AppJar.APP_JAR).as("run `mvn package` first").exists();
        String cell = cell("estimator-cell");
        assertThat(cell).contains("new LambClassifier()");
        Path train = tmp.resolve("train.parquet");
        Path test = tmp.resolve("test.parquet");
        importMnist(train, test);
        Path outputDir = tmp.resolve("repl-run");
        Path cellFile = tmp.resolve("estimator-cell.scala");
        Files.writeString(cellFile, cell);
        Path estimatorPath = tmp.resolve("estimator");
        String out = runRepl(String.join("\n",
                firstCell(train, test, outputDir),
                ":paste " + cellFile,
                "lamb.write.overwrite().save(\"" + estimatorPath + "\")",
                "println(\"REPL-\" + \"DONE\")",
                ""));
        out.lines().filter(l -> l.contains("estimator test accuracy") || l.contains("predicts the same"))
                .forEach(l -> System.out.println("REPL: " + l));
        assertThat(out).contains("estimator test accuracy").contains("reloaded model predicts the same: true");
        Path savedModel = Paths.get(outputDir + "-model");
        assertThat(savedModel.resolve("metadata")).exists();
        assertThat(Paths.get(outputDir + "-estimator").resolve("summary.json")).exists();

        SparkSession spark = referenceSession();
        float[] direct;
        float[] fromRepl;
        try {
            direct = dev.sparklamb.spark.ml.LambClassifier.load(estimatorPath.toString())
                    .setOutputDir(tmp.resolve("java-run").toString())
                    .fit(spark.read().parquet(train.toString())).parameters();
            fromRepl = dev.sparklamb.spark.ml.LambClassificationModel.load(savedModel.toString()).parameters();
        } finally {
            spark.stop();
        }
        double relative = RealMnist.relativeL2(direct, fromRepl);
        System.out.printf("estimator cell in the Spark REPL vs direct Java fit: %d parameters, bitwise equal: %s, relative L2 "
                + "difference %.3g%n", direct.length, Arrays.equals(direct, fromRepl), relative);
        assertThat(relative).as("relative L2 difference of the trained parameters").isLessThanOrEqualTo(1e-6);
    }

    @Test
    void theNotebookCellTrainsInASparkScalaReplWithTheJarAttachedAndLeavesTheSessionActive() throws Exception {
        assertThat(AppJar.APP_JAR).as("run `mvn package` first").exists();
        String cell = notebookCell();
        Path train = tmp.resolve("train.parquet");
        Path test = tmp.resolve("test.parquet");
        importMnist(train, test);

        // The notebook: the doc's first cell with test values, the tested cell as one paste (like a notebook cell),
        // then checks typed into the same REPL.
        Path replOut = tmp.resolve("repl-run");
        Path hoconFile = tmp.resolve("hocon.conf");
        Path configFile = tmp.resolve("config.txt");
        Path cellFile = tmp.resolve("cell.scala");
        Files.writeString(cellFile, cell);
        String out = runRepl(String.join("\n",
                firstCell(train, test, replOut),
                ":paste " + cellFile,
                "java.nio.file.Files.writeString(java.nio.file.Paths.get(\"" + hoconFile + "\"), hocon)",
                "java.nio.file.Files.writeString(java.nio.file.Paths.get(\"" + configFile + "\"), config.toString)",
                "println(\"SESSION-ACTIVE=\" + !spark.sparkContext.isStopped + \" COUNT=\" + spark.range(10).count())",
                "println(\"REPL-\" + \"DONE\")",
                ""));
        assertThat(out).as("REPL output")
                .contains("trained 3 steps, final loss")
                .contains("test accuracy")
                .contains("SESSION-ACTIVE=true COUNT=10");
        out.lines().filter(l -> l.contains("trained ") || l.contains("test accuracy") || l.contains("SESSION-ACTIVE"))
                .forEach(l -> System.out.println("REPL: " + l));
        assertThat(replOut.resolve("model.zip")).exists();
        assertThat(replOut.resolve("summary.json")).exists();
        assertThat(Files.readAllLines(replOut.resolve("metrics.jsonl"))).hasSize(3);

        // The same configuration trained directly from Java in this JVM.
        RunConfig reference = ConfigLoader.load(Files.readString(hoconFile), "reference", List.of())
                .withOutput(tmp.resolve("java-run").toString());
        assertThat(reference.withOutput(replOut.toString()).toString()).as("the REPL's RunConfig")
                .isEqualTo(Files.readString(configFile).trim());
        TrainedModel direct;
        SparkSession spark = referenceSession();
        try {
            direct = new SparkTrainer(spark, reference).fit();
        } finally {
            spark.stop();
        }
        float[] a = direct.parameters();
        MultiLayerNetwork fromRepl = ModelSerializer.restoreMultiLayerNetwork(replOut.resolve("model.zip").toFile());
        float[] b = fromRepl.params().data().asFloat();
        double relative = RealMnist.relativeL2(a, b);
        System.out.printf("notebook cell in the Spark REPL vs direct Java run: %d parameters, bitwise equal: %s, relative L2 "
                + "difference %.3g%n", a.length, Arrays.equals(a, b), relative);
        assertThat(relative).as("relative L2 difference of the trained parameters").isLessThanOrEqualTo(1e-6);
    }

    /**
     * {@code spark-shell}'s launch: SparkSubmit with the REPL's main class and primary resource "spark-shell", in a JVM
     * whose classpath has Spark's jars plus the REPL and Scala compiler (a SPARK_HOME), the application jar given with
     * --jars. Everything binds to 127.0.0.1.
     */
    private Process startRepl(Path input, Path log) throws IOException {
        Path sparkHome = Files.createDirectories(tmp.resolve("spark-home"));
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (Path jar : runtimeJars()) {
            Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        }
        for (String name : List.of("spark-repl_2.12", "scala-compiler", "jline")) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path jar = Paths.get(entry);
                if (jar.getFileName().toString().startsWith(name) && entry.endsWith(".jar") && !Files.exists(jars.resolve(jar.getFileName()))) {
                    Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
                }
            }
        }
        assertThat(jars.toFile().list((d, n) -> n.startsWith("spark-repl_2.12"))).as("spark-repl on the test classpath").isNotEmpty();
        List<String> command = new ArrayList<>(List.of(StandaloneClusterIT.JAVA, "-Xmx2g"));
        command.addAll(StandaloneClusterIT.JAVA17);
        command.addAll(List.of("-Dscala.usejavacp=true",
                "-Dlog4j2.configurationFile=" + PROJECT.resolve("conf/log4j2.properties"),
                "-cp", jars + File.separator + "*", "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]", "--class", "org.apache.spark.repl.Main", "--name", "Spark shell",
                "--jars", AppJar.APP_JAR.toString(),
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
                "--conf", "spark.task.maxDirectResultSize=64m",
                "spark-shell"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectInput(input.toFile()).redirectOutput(log.toFile());
        SparkHome.environment(pb, sparkHome);
        return pb.start();
    }

    /**
     * The notebook runtime without the library: every dependency jar (target/spark-lamb/jars: Spark, Scala, Hadoop and
     * the rest) except those holding spark-lamb, DL4J, ND4J, DataVec or JavaCPP classes, which must come from the
     * attached application jar. (Not {@link AppJar#clusterJars}: libraries that Spark needs and the application jar also
     * carries, such as commons-lang3, would be missing.)
     */
    static List<Path> runtimeJars() throws IOException {
        List<String> libraryPackages = List.of("dev/sparklamb/", "org/nd4j/", "org/deeplearning4j/", "org/datavec/", "org/bytedeco/");
        List<Path> result = new ArrayList<>();
        try (var files = Files.list(AppJar.JARS)) {
            for (Path jar : files.sorted().toList()) {
                if (jar.toString().endsWith(".jar")
                        && AppJar.classes(jar).stream().noneMatch(c -> libraryPackages.stream().anyMatch(c::startsWith))) {
                    result.add(jar);
                }
            }
        }
        return result;
    }

    private static void stopActiveSession() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    private static String tail(String text) {
        return text.length() <= 6000 ? text : "..." + text.substring(text.length() - 6000);
    }
}
