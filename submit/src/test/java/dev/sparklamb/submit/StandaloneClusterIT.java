package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1: a Master and 2 Workers (1 core, 2 GB each) as separate JVMs, started
 * from a SPARK_HOME whose jars/ holds Spark's jars only (the dependency jars not shaded into the application jar);
 * the application jar is submitted with SparkSubmit exactly as a user would, trains 3 steps on real MNIST, and its
 * final parameters must equal those of the same run in local[2] within 1e-5 (relative L2). Every process started here is stopped in finally.
 */
class StandaloneClusterIT {

    static final Path PROJECT = Paths.get(System.getProperty("sparklamb.project.dir", "..")).toAbsolutePath().normalize();
    static final Path RAW = Paths.get(System.getProperty("sparklamb.mnist.dir", PROJECT.resolve("data/mnist/raw").toString()));
    static final List<String> JAVA17 = Arrays.asList(System.getProperty("sparklamb.java17.flags", "").trim().split("\\s+"));
    static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path tmp;

    /** Every process started here, stopped with its children (executors) in finally. */
    private final ChildProcesses started = new ChildProcesses();

    @Test
    void trainsOnAStandaloneClusterExactlyAsInLocalMode() throws Exception {
        assertThat(AppJar.APP_JAR).as("run `mvn package` first").exists();
        Path train = tmp.resolve("train.parquet");
        Path test = tmp.resolve("test.parquet");
        Path localOut = tmp.resolve("local");
        Path clusterOut = tmp.resolve("cluster");
        List<String> job = List.of("train", "-c", PROJECT.resolve("conf/mnist-lamb.conf").toString(),
                "--set", "spark-lamb.data.train=\"" + train + "\"",
                "--set", "spark-lamb.data.test=\"" + test + "\"",
                "--set", "spark-lamb.data.partitions=2",
                "--set", "spark-lamb.training.global-batch=512",
                "--set", "spark-lamb.training.micro-batch=256",
                "--set", "spark-lamb.training.max-steps=3",
                "--set", "spark-lamb.training.eval-every-steps=0");

        // Real MNIST subset and the local[2] reference, in process.
        RealMnist.importAndTrainLocally(train, test, job, localOut);

        // SPARK_HOME with Spark's jars only: the application jar must bring everything else.
        Path sparkHome = Files.createDirectories(tmp.resolve("spark-home"));
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (Path jar : AppJar.clusterJars(AppJar.classes(AppJar.APP_JAR))) {
            Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        }
        String classpath = jars + File.separator + "*";
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        try {
            start(sparkHome, logs.resolve("master.log"), List.of("-Xmx512m"), classpath, "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0");
            waitForPort(port, 60);
            for (int i = 1; i <= 2; i++) {
                start(sparkHome, logs.resolve("worker" + i + ".log"), List.of("-Xmx512m"), classpath,
                        "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "2g",
                        "--webui-port", "0", "--work-dir", sparkHome.resolve("work").toString(), master);
            }
            List<String> submit = new ArrayList<>(List.of("--master", master, "--class", SparkLambCli.class.getName(),
                    "--properties-file", PROJECT.resolve("conf/spark-defaults.conf").toString(),
                    "--conf", "spark.executor.memory=1g",
                    "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                    "--conf", "spark.ui.enabled=false",
                    "--conf", "spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=" + PROJECT.resolve("conf/log4j2.properties"),
                    AppJar.APP_JAR.toString()));
            submit.addAll(job);
            submit.addAll(List.of("--output", clusterOut.toString()));
            Path driverLog = logs.resolve("driver.log");
            Process driver = start(sparkHome, driverLog, List.of("-Xmx2g"), classpath, "org.apache.spark.deploy.SparkSubmit",
                    submit.toArray(String[]::new));
            boolean done = driver.waitFor(150, TimeUnit.SECONDS);
            assertThat(done).as("spark-submit finished in time; driver log:%n%s", tail(driverLog)).isTrue();
            assertThat(driver.exitValue()).as("spark-submit exit code; driver log:%n%s%nworker log:%n%s", tail(driverLog),
                    tail(logs.resolve("worker1.log"))).isZero();
        } finally {
            started.stopAll();
        }

        MultiLayerNetwork reference = ModelSerializer.restoreMultiLayerNetwork(localOut.resolve("model.zip").toFile());
        MultiLayerNetwork cluster = ModelSerializer.restoreMultiLayerNetwork(clusterOut.resolve("model.zip").toFile());
        float[] a = reference.params().data().asFloat();
        float[] b = cluster.params().data().asFloat();
        double relative = RealMnist.relativeL2(a, b);
        boolean bitwise = Arrays.equals(a, b);
        System.out.printf("standalone cluster vs local[2]: %d parameters, bitwise equal: %s, relative L2 difference %.3g%n",
                a.length, bitwise, relative);
        // Measured: not bitwise (relative L2 difference ~1e-8). Probable cause, not verified: the executors here have 1 core each, and ND4J's
        // native matrix products sum in a thread-count-dependent order. The all-reduce order itself is fixed.
        assertThat(relative).as("relative L2 difference of the final parameters").isLessThanOrEqualTo(1e-5);
        assertThat(clusterOut.resolve("summary.json")).exists();
    }

    private Process start(Path sparkHome, Path log, List<String> heap, String classpath, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        command.addAll(heap);
        command.addAll(JAVA17);
        command.add("-Dlog4j2.configurationFile=" + PROJECT.resolve("conf/log4j2.properties"));
        command.addAll(List.of("-cp", classpath, main));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(PROJECT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        SparkHome.environment(pb, sparkHome);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(250);
            }
        }
        throw new AssertionError("Spark master did not open port " + port + " within " + seconds + " s");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
