package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.LoopbackHdfs;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit/submit-yarn.sh} end to end on a real, in-process YARN cluster: Hadoop's MiniYARNCluster (a
 * ResourceManager and one NodeManager that launches every container as a separate JVM, exactly as on a cluster) and a
 * MiniDFSCluster, every service bound to 127.0.0.1. The cluster's configuration is written to a temporary
 * HADOOP_CONF_DIR, and the launcher runs with a SPARK_HOME-like folder: {@code jars/} holds the jars a Spark 3.5 YARN
 * installation ships (Spark with spark-yarn, Scala, Hadoop's client), and {@code bin/spark-submit} runs Spark's own
 * launcher library as a distribution's script does. Training data, configuration file and output live on HDFS.
 *
 * <p>Checked: the cluster and client deploy modes train exactly as local[2] (within 1e-5), a bad configuration fails the
 * YARN application with a non-zero exit code and our message in the driver's log as {@code yarn logs} shows it, and an
 * application killed through YARN resumes with {@code --resume} to the bitwise result of an undisturbed run. Every
 * process, cluster and temporary directory is removed in {@code finally}/{@code @AfterAll}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {

    static final Path PROJECT = StandaloneClusterIT.PROJECT;
    static final String JAVA_HOME = System.getProperty("java.home");
    /** spark-yarn_2.12 and hadoop-yarn-server-web-proxy, copied here by submit/pom.xml (execution spark-yarn-jars). */
    static final Path YARN_JARS = AppJar.MODULE.resolve("target/spark-yarn-jars");
    /** One job for every submission: 3 epochs of 4 steps on the 2,048-image subset, a checkpoint every 2 steps. */
    static final int STEPS = 12;
    /** spark-lamb.lease.timeout-seconds of the killed and resumed submissions. */
    static final int LEASE_SECONDS = 10;

    @TempDir
    static Path tmp;

    static MiniDFSCluster dfs;
    static MiniYARNCluster yarn;
    static YarnClient yarnClient;
    static FileSystem hdfs;
    static String root;
    static Path hadoopConf;
    static Path sparkHome;
    static Path properties;
    static Path logs;
    static float[] localReference;
    /** The parameters of the undisturbed cluster-mode run, once it ran. */
    static float[] clusterMode;

    private static final ChildProcesses STARTED = new ChildProcesses();

    @BeforeAll
    static void start() throws Exception {
        assertThat(AppJar.APP_JAR).as("run `mvn package` first").exists();
        logs = Files.createDirectories(tmp.resolve("logs"));

        // Real MNIST subsets, and the local[2] reference, in this JVM.
        Path train = tmp.resolve("train.parquet");
        Path test = tmp.resolve("test.parquet");
        Path localOut = tmp.resolve("local");
        RealMnist.importAndTrainLocally(train, test, job(train.toString(), test.toString(),
                PROJECT.resolve("conf/mnist-lamb.conf").toString()), localOut);
        localReference = parameters(localOut.resolve("model.zip"));

        // HDFS, with the data and the configuration files on it.
        Configuration conf = new Configuration();
        dfs = LoopbackHdfs.start(conf, tmp);
        root = LoopbackHdfs.uri(dfs);
        conf.set("fs.defaultFS", root);
        hdfs = FileSystem.newInstance(URI.create(root), conf);
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(train.toUri()), new org.apache.hadoop.fs.Path("/data/train.parquet"));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(test.toUri()), new org.apache.hadoop.fs.Path("/data/test.parquet"));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(PROJECT.resolve("conf/mnist-lamb.conf").toUri()),
                new org.apache.hadoop.fs.Path("/jobs/mnist-lamb.conf"));
        try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path("/jobs/bad.conf"))) {
            o.write(Files.readString(PROJECT.resolve("conf/mnist-lamb.conf")).replace("name = \"lamb\"", "name = \"lamb2\"")
                    .getBytes(StandardCharsets.UTF_8));
        }

        // YARN: one NodeManager; its memory is what the scheduler hands out (the containers' real use is far lower,
        // and the physical/virtual memory checks are off). Logs are aggregated to HDFS when an application ends, so
        // that `yarn logs -applicationId` works as on a cluster.
        // A configuration of its own: MiniDFSCluster's (test-only settings such as StaticMapping) must not reach the
        // cluster's clients, which have only Hadoop's client jars.
        YarnConfiguration yc = new YarnConfiguration();
        yc.set("fs.defaultFS", root);
        yc.set("hadoop.tmp.dir", tmp.resolve("hadoop-tmp").toString());
        yc.setInt("dfs.replication", 1);
        yc.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
        for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.NM_ADDRESS,
                YarnConfiguration.NM_LOCALIZER_ADDRESS, YarnConfiguration.NM_WEBAPP_ADDRESS)) {
            yc.set(key, "127.0.0.1:0");
        }
        yc.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        yc.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 10 * 1024); // MiniYARNCluster's own key (default 4 GB)
        yc.setInt(YarnConfiguration.NM_VCORES, 8);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        // The capacity scheduler's queues (a cluster's capacity-scheduler.xml): one queue, "default", whose applications'
        // masters may take half of the cluster (the default 10% would not fit the cluster-mode driver).
        yc.set("yarn.scheduler.capacity.root.queues", "default");
        yc.set("yarn.scheduler.capacity.root.default.capacity", "100");
        yc.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        // Containers asked for on the data's host (HDFS names it 127.0.0.1, the NodeManager is "localhost") are given
        // at once instead of after 40 missed node-local scheduling opportunities.
        yc.set("yarn.scheduler.capacity.node-locality-delay", "-1");
        yc.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        yc.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        yc.setBoolean("yarn.nodemanager.disk-health-checker.enable", false);
        yc.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100f);
        yc.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, true);
        yc.set(YarnConfiguration.NM_REMOTE_APP_LOG_DIR, "/app-logs");
        // What a cluster node's environment provides to containers (hadoop-env.sh / yarn-env.sh on a real cluster).
        yc.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + JAVA_HOME);
        yarn = new MiniYARNCluster("yarn-cluster-it", 1, 1, 1);
        yarn.init(yc);
        yarn.start();
        assertThat(yarn.waitForNodeManagersToConnect(60_000)).as("NodeManager registered").isTrue();
        Configuration live = yarn.getConfig();
        // Bound to 127.0.0.1; Hadoop publishes the connect address under its name ("localhost:<port>").
        for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS)) {
            java.net.InetSocketAddress address = org.apache.hadoop.net.NetUtils.createSocketAddr(live.get(key));
            assertThat(address.getAddress().isLoopbackAddress()).as("%s = %s", key, live.get(key)).isTrue();
            assertThat(address.getPort()).as(key).isPositive();
        }
        yarnClient = YarnClient.createYarnClient();
        yarnClient.init(live);
        yarnClient.start();

        hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
        try (OutputStream o = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
            live.writeXml(o);
        }
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", root);
        core.setInt("dfs.replication", 1);
        try (OutputStream o = Files.newOutputStream(hadoopConf.resolve("core-site.xml"))) {
            core.writeXml(o);
        }

        sparkHome = sparkHome();
        // The project's spark-defaults.conf, plus: Spark's jars are on every node already (no upload per submission), and
        // the driver and executors in containers bind to 127.0.0.1 too.
        properties = tmp.resolve("spark-defaults.conf");
        Files.writeString(properties, Files.readString(PROJECT.resolve("conf/spark-defaults.conf"))
                + "\nspark.yarn.jars local:" + sparkHome.resolve("jars") + "/*\n"
                + "spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1\n"
                + "spark.executorEnv.SPARK_LOCAL_IP 127.0.0.1\n");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            STARTED.stopAll();
            if (yarnClient != null) {
                yarnClient.stop();
            }
            if (hdfs != null) {
                hdfs.close();
            }
        } finally {
            try {
                if (yarn != null) {
                    yarn.stop();
                    // target/test/data/yarn-cluster-it/yarn-<n>: the NodeManager's local and log directories
                    deleteTree(yarn.getTestWorkDir().toPath().getParent());
                }
            } finally {
                if (dfs != null) {
                    dfs.shutdown(true);
                }
            }
        }
    }

    /** The training job: real MNIST, 2 partitions, global batch 512 in micro-batches of 256, {@link #STEPS} steps. */
    static List<String> job(String train, String test, String config) {
        return List.of("train", "-c", config,
                "--set", "spark-lamb.data.train=\"" + train + "\"",
                "--set", "spark-lamb.data.test=\"" + test + "\"",
                "--set", "spark-lamb.data.partitions=2",
                "--set", "spark-lamb.training.global-batch=512",
                "--set", "spark-lamb.training.micro-batch=256",
                "--set", "spark-lamb.training.max-steps=" + STEPS,
                "--set", "spark-lamb.training.eval-every-steps=0",
                "--set", "spark-lamb.checkpoint.every-steps=2");
    }

    static List<String> hdfsJob(String config, String output) {
        List<String> args = new ArrayList<>(job(root + "/data/train.parquet", root + "/data/test.parquet", root + config));
        args.addAll(List.of("--output", root + output));
        return args;
    }

    @Test
    @Order(1)
    void clusterDeployModeTrainsLikeLocalMode() throws Exception {
        Submission s = submit("cluster", hdfsJob("/jobs/mnist-lamb.conf", "/runs/cluster"), "cluster");
        assertThat(s.exitCode).as(() -> "submit-yarn.sh exit code; output:\n" + s.tail()).isZero();
        assertThat(s.report().getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
        clusterMode = checkOutput("/runs/cluster");
    }

    @Test
    @Order(2)
    void clientDeployModeTrainsLikeLocalMode() throws Exception {
        // Also: SPARK_LAMB_JAVA_OPTIONS reaches the driver and the executors; here it moves ND4J's natives out of ~/.javacpp.
        Path natives = tmp.resolve("javacpp-cache");
        Submission s = submit("client", hdfsJob("/jobs/mnist-lamb.conf", "/runs/client"), "client",
                Map.of("SPARK_LAMB_JAVA_OPTIONS", "-Dorg.bytedeco.javacpp.cachedir=" + natives));
        assertThat(s.exitCode).as(() -> "submit-yarn.sh exit code; output:\n" + s.tail()).isZero();
        assertThat(s.report().getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.SUCCEEDED);
        checkOutput("/runs/client");
        try (Stream<Path> files = Files.walk(natives)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("ND4J's natives extracted into %s", natives)
                    .anyMatch(n -> n.startsWith("libnd4jcpu"));
        }
    }

    @Test
    @Order(3)
    void badConfigurationFailsTheApplicationWithTheMessageInTheDriverLog() throws Exception {
        Submission s = submit("cluster", hdfsJob("/jobs/bad.conf", "/runs/bad"), "bad");
        assertThat(s.exitCode).as(() -> "submit-yarn.sh exit code; output:\n" + s.tail()).isNotZero();
        ApplicationReport report = s.report();
        assertThat(report.getFinalApplicationStatus()).isEqualTo(FinalApplicationStatus.FAILED);
        assertThat(yarnClient.getApplicationAttempts(report.getApplicationId())).as("one attempt: a bad configuration is not retried").hasSize(1);
        String driverLog = yarnLogs(report.getApplicationId(), "bad");
        assertThat(driverLog).contains("spark-lamb: error:").contains("spark-lamb.optimizer.name");
        assertThat(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/bad"))).as("nothing written").isFalse();
    }

    @Test
    @Order(4)
    void applicationKilledThroughYarnResumesToTheUndisturbedResult() throws Exception {
        float[] undisturbed = clusterMode; // null when the cluster-mode test did not run first: then run it below
        List<String> args = new ArrayList<>(hdfsJob("/jobs/mnist-lamb.conf", "/runs/resumed"));
        // YARN kills a container with SIGTERM and 250 ms later SIGKILL: too soon for the driver to release its run lease on
        // HDFS, so the next run may write there only once the lease is stale (measured: the driver of a --resume right
        // after the kill stops with exit code 5, "another run holds the lease", and the application fails). A short lease timeout keeps that wait short; it does
        // not change the training.
        args.addAll(List.of("--set", "spark-lamb.lease.timeout-seconds=" + LEASE_SECONDS, "--resume"));
        Set<ApplicationId> before = applications();
        Process p = launch("cluster", args, logs.resolve("killed.log"), Map.of());
        ApplicationId app = null;
        org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path("/runs/resumed/checkpoints");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < end && p.isAlive()) {
            if (app == null) {
                app = newApplication(before);
            }
            if (app != null && hdfs.exists(checkpoints)
                    && Arrays.stream(hdfs.listStatus(checkpoints)).anyMatch(f -> f.getPath().getName().endsWith(".ckpt"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(app).as(() -> "application submitted; output:\n" + tail(logs.resolve("killed.log"))).isNotNull();
        assertThat(p.isAlive()).as(() -> "still running at its first checkpoint; output:\n" + tail(logs.resolve("killed.log"))).isTrue();
        yarnClient.killApplication(app);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(yarnClient.getApplicationReport(app).getYarnApplicationState()).isEqualTo(YarnApplicationState.KILLED);
        assertThat(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/resumed/model.zip"))).as("killed before the end").isFalse();
        System.out.printf("killed %s after checkpoints %s%n", app, Arrays.stream(hdfs.listStatus(checkpoints))
                .map(f -> f.getPath().getName()).sorted().toList());
        // The driver is gone (its container ended with the application); its lease was renewed at the latest before now.
        Thread.sleep(TimeUnit.SECONDS.toMillis(LEASE_SECONDS + 5));

        Submission resumed = submit("cluster", args, "resumed");
        assertThat(resumed.exitCode).as(() -> "submit-yarn.sh exit code; output:\n" + resumed.tail()).isZero();
        assertThat(yarnLogs(resumed.report().getApplicationId(), "resumed")).contains("resuming at step");
        float[] result = parameters(copyToLocal("/runs/resumed/model.zip"));
        if (undisturbed == null) {
            Submission reference = submit("cluster", hdfsJob("/jobs/mnist-lamb.conf", "/runs/cluster"), "cluster");
            assertThat(reference.exitCode).as(() -> "submit-yarn.sh exit code; output:\n" + reference.tail()).isZero();
            undisturbed = checkOutput("/runs/cluster");
        }
        assertThat(Arrays.equals(result, undisturbed)).as("resumed run bitwise equal to the undisturbed run").isTrue();
        assertThat(metricSteps("/runs/resumed")).as("each step exactly once")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList());
    }

    /** Model, metrics and summary on HDFS; the parameters within 1e-5 of local[2] (returned). */
    private static float[] checkOutput(String output) throws IOException {
        assertThat(hdfs.exists(new org.apache.hadoop.fs.Path(output, "summary.json"))).isTrue();
        assertThat(metricSteps(output)).hasSize(STEPS);
        float[] params = parameters(copyToLocal(output + "/model.zip"));
        double relative = RealMnist.relativeL2(localReference, params);
        System.out.printf("YARN %s vs local[2]: %d parameters, bitwise equal: %s, relative L2 difference %.3g%n", output, params.length,
                Arrays.equals(localReference, params), relative);
        assertThat(relative).as("relative L2 difference of the final parameters").isLessThanOrEqualTo(1e-5);
        return params;
    }

    private static List<Long> metricSteps(String output) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Long> steps = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(hdfs.open(new org.apache.hadoop.fs.Path(output, "metrics.jsonl")),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                steps.add(json.readTree(line).get("step").asLong());
            }
        }
        return steps;
    }

    private static Path copyToLocal(String hdfsPath) throws IOException {
        Path local = Files.createTempFile(tmp, "model", ".zip");
        Files.delete(local);
        hdfs.copyToLocalFile(new org.apache.hadoop.fs.Path(hdfsPath), new org.apache.hadoop.fs.Path(local.toUri()));
        return local;
    }

    private static float[] parameters(Path modelZip) throws IOException {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(modelZip.toFile());
        return net.params().data().asFloat();
    }

    // ---- submissions

    /** One finished submission: the launcher's exit code, its output and the YARN application it created. */
    record Submission(int exitCode, Path log, ApplicationId application) {
        /** The launcher's output, and the application's container logs (as `yarn logs` shows them) when there is one. */
        String tail() {
            String containers;
            try {
                containers = application == null ? "(no application)" : lastLines(yarnLogs(application, application.toString()), 200);
            } catch (Exception e) {
                containers = "(no container logs: " + e + ")";
            }
            return YarnClusterIT.tail(log) + "\n---- yarn logs -applicationId " + application + " (end)\n" + containers;
        }

        ApplicationReport report() throws Exception {
            assertThat(application).as(() -> "a YARN application was submitted; output:\n" + tail()).isNotNull();
            return yarnClient.getApplicationReport(application);
        }
    }

    private static Submission submit(String deployMode, List<String> args, String name) throws Exception {
        return submit(deployMode, args, name, Map.of());
    }

    private static Submission submit(String deployMode, List<String> args, String name, Map<String, String> env) throws Exception {
        Set<ApplicationId> before = applications();
        Path log = logs.resolve(name + ".log");
        Process p = launch(deployMode, args, log, env);
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            ApplicationId app = newApplication(before);
            if (app != null) {
                yarnClient.killApplication(app);
            }
            p.waitFor(60, TimeUnit.SECONDS);
            throw new AssertionError("submit-yarn.sh did not finish in 240 s; output:\n" + new Submission(-1, log, app).tail());
        }
        return new Submission(p.exitValue(), log, newApplication(before));
    }

    /** Runs submit/submit-yarn.sh as a user would, with the test cluster's HADOOP_CONF_DIR and small containers. */
    private static Process launch(String deployMode, List<String> args, Path log, Map<String, String> extraEnv) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", PROJECT.resolve("submit/submit-yarn.sh").toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        SparkHome.environment(pb, sparkHome);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", JAVA_HOME);
        env.put("HADOOP_CONF_DIR", hadoopConf.toString());
        env.put("SPARK_LAMB_DEPLOY_MODE", deployMode);
        env.put("SPARK_LAMB_PROPERTIES", properties.toString());
        env.put("SPARK_LAMB_NUM_EXECUTORS", "2");
        env.put("SPARK_LAMB_EXECUTOR_CORES", "1");
        env.put("SPARK_LAMB_EXECUTOR_MEMORY", "1g");
        env.put("SPARK_LAMB_DRIVER_MEMORY", "1g");
        env.putAll(extraEnv);
        Process p = pb.start();
        STARTED.add(p);
        return p;
    }

    private static Set<ApplicationId> applications() throws Exception {
        return yarnClient.getApplications().stream().map(ApplicationReport::getApplicationId).collect(Collectors.toSet());
    }

    private static ApplicationId newApplication(Set<ApplicationId> before) throws Exception {
        return yarnClient.getApplications().stream().map(ApplicationReport::getApplicationId).filter(id -> !before.contains(id))
                .max(Comparator.naturalOrder()).orElse(null);
    }

    /**
     * {@code yarn logs -applicationId ID}: Hadoop's LogsCLI, the class the {@code yarn logs} command runs, in a separate JVM
     * with the cluster's HADOOP_CONF_DIR and Hadoop's jars (the client's, from jars/, and the minicluster's, which has what
     * LogsCLI needs beyond the client), once the NodeManager has aggregated the application's logs to HDFS.
     */
    private static String yarnLogs(ApplicationId app, String name) throws Exception {
        Path log = logs.resolve(name + "-yarn-logs.txt");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            ProcessBuilder pb = new ProcessBuilder(Paths.get(JAVA_HOME, "bin", "java").toString(), "-cp",
                    String.join(File.pathSeparator, hadoopConf.toString(), sparkHome.resolve("jars") + File.separator + "*",
                            codeSource(MiniYARNCluster.class).toString()),
                    "org.apache.hadoop.yarn.client.cli.LogsCLI", "-applicationId", app.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = pb.start();
            STARTED.add(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String text = Files.readString(log);
            if (p.exitValue() == 0 && text.contains("LogType:stderr") || System.nanoTime() > end) {
                return text;
            }
            Thread.sleep(1000);
        }
    }

    // ---- the SPARK_HOME-like folder

    /**
     * jars/: Spark's jars (everything the application jar does not bring, as for StandaloneClusterIT) plus what a Spark
     * installation for YARN adds ({@link #YARN_JARS}: spark-yarn and Hadoop's web proxy filter);
     * bin/spark-submit: asks Spark's launcher library for the driver's command line and runs it, which is what a Spark
     * distribution's bin/spark-submit does (it adds HADOOP_CONF_DIR to the classpath, the Java 17 module options and
     * --driver-memory in client mode).
     */
    private static Path sparkHome() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("spark-home"));
        Path jars = Files.createDirectories(home.resolve("jars"));
        List<Path> all = new ArrayList<>(AppJar.clusterJars(AppJar.classes(AppJar.APP_JAR)));
        try (Stream<Path> yarnJars = Files.list(YARN_JARS)) {
            all.addAll(yarnJars.sorted().toList());
        }
        for (Path jar : all) {
            Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        }
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path submit = bin.resolve("spark-submit");
        Files.writeString(submit, String.join("\n",
                "#!/usr/bin/env bash",
                "# Test stand-in for a Spark distribution's bin/spark-submit (YarnClusterIT). Spark's launcher prints its own",
                "# messages, a NUL and a newline, then the driver's command line with each argument NUL-terminated; the exit",
                "# status is appended here. The messages go to stderr and the command is run.",
                "set -euo pipefail",
                "out=()",
                "while IFS= read -r -d '' arg; do out+=(\"$arg\"); done < <(",
                "  \"$JAVA_HOME/bin/java\" -Xmx128m -cp \"$SPARK_HOME/jars/*\" org.apache.spark.launcher.Main \\",
                "    org.apache.spark.deploy.SparkSubmit \"$@\"; printf '%d\\0' $?)",
                "status=\"${out[-1]}\"",
                "unset 'out[-1]'",
                "[[ \"$status\" == 0 && ${#out[@]} -ge 2 ]] || { printf '%s' \"${out[@]}\" >&2; exit \"${status/#0/1}\"; }",
                "[[ -z \"${out[0]}\" ]] || printf '%s' \"${out[0]}\" >&2",
                "cmd=(\"${out[@]:1}\")",
                "cmd[0]=\"${cmd[0]#$'\\n'}\"",
                "exec \"${cmd[@]}\"",
                ""));
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private static Path codeSource(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- clean-up and logs

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    static String tail(Path log) {
        try {
            return lastLines(Files.readString(log), 80);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
