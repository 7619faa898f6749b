package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.lease.LeaseHeldException;
import dev.sparklamb.spark.lease.LeaseRecord;
import dev.sparklamb.spark.lease.RunLease;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint/resume guarantee on a real HDFS (Hadoop's MiniDFSCluster, one datanode, every service bound to
 * 127.0.0.1 on a free port): training data, checkpoints, metrics and the model all live at {@code hdfs://} URIs, and a
 * run stopped after step k and resumed ends bitwise equal to an uninterrupted run.
 */
@ExtendWith(LocalSpark.class)
class HdfsCheckpointResumeTest {

    static MiniDFSCluster cluster;
    static FileSystem hdfs;
    static String root;
    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(500, 8, 21);
    static String trainUri;
    static float[] uninterrupted;

    @TempDir
    static java.nio.file.Path local;

    @BeforeAll
    static void start() throws IOException {
        Configuration conf = new Configuration();
        conf.set("hadoop.tmp.dir", local.resolve("hadoop-tmp").toString());
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.namenode.servicerpc-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.set("dfs.datanode.hostname", "127.0.0.1");
        conf.setInt("dfs.replication", 1);
        conf.setBoolean("dfs.permissions.enabled", false);
        cluster = new MiniDFSCluster.Builder(conf, local.resolve("dfs").toFile())
                .numDataNodes(1)
                .checkDataNodeAddrConfig(true)
                .format(true)
                .build();
        cluster.waitActive();
        assertThat(cluster.getNameNode().getNameNodeAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getNameNode().getServiceRpcAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getNameNode().getHttpAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getDataNodes().get(0).getXferAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        root = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
        // The test's own client (MiniDFSCluster's getFileSystem() would name the namenode "localhost").
        hdfs = FileSystem.newInstance(URI.create(root), conf);

        // Nothing else of the cluster's Configuration is given to Spark: full hdfs:// URIs resolve by scheme and authority.
        // One datanode: ask for one replica, so that closing a file never waits for replicas that cannot exist.
        spark.sparkContext().hadoopConfiguration().setInt("dfs.replication", 1);

        trainUri = root + "/data/train";
        DATA.frame(spark).coalesce(1).write().parquet(trainUri);
        assertThat(Arrays.stream(hdfs.listStatus(new Path("/data/train"))).map(s -> s.getPath().getName()))
                .anyMatch(n -> n.endsWith(".parquet"));
        uninterrupted = new SparkTrainer(spark, config(root + "/runs/reference")).fit().parameters();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (spark != null) {
                spark.stop();
            }
            if (hdfs != null) {
                hdfs.close();
            }
        } finally {
            if (cluster != null) {
                cluster.shutdown(true);
            }
        }
    }

    /** The run of {@link CheckpointResumeTest}: 8 steps of 96 examples, a checkpoint every 2 steps, the newest 3 kept. */
    static List<String> overrides(String train) {
        return List.of("data.train=\"" + train + "\"", "data.partitions=3",
                "model.input-height=8", "model.input-width=8",
                "training.global-batch=96", "training.micro-batch=32", "training.epochs=2", "training.max-steps=8",
                "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.learning-rate.base=0.01", "checkpoint.every-steps=2", "checkpoint.keep=3");
    }

    static RunConfig config(String output) {
        return ConfigLoader.load("", "test", hocon(output, List.of()));
    }

    static List<String> hocon(String output, List<String> extra) {
        List<String> all = new ArrayList<>(List.of("spark-lamb.output=\"" + output + "\""));
        overrides(trainUri).forEach(o -> all.add("spark-lamb." + o));
        extra.forEach(o -> all.add("spark-lamb." + o));
        return all;
    }

    static SparkTrainer crashingAfter(RunConfig config, long step) {
        return new SparkTrainer(spark, config).listener((m, p, u) -> {
            if (p.nextStep() == step) {
                throw new IllegalStateException("simulated driver crash after step " + step);
            }
        });
    }

    /** A fresh output directory on HDFS for each test. */
    static String output(TestInfo test) {
        return root + "/runs/" + test.getTestMethod().orElseThrow().getName();
    }

    static List<Long> metricSteps(String output) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Long> steps = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(hdfs.open(new Path(output, "metrics.jsonl")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                steps.add(json.readTree(line).get("step").asLong());
            }
        }
        return steps;
    }

    static List<Path> checkpoints(String output) throws IOException {
        FileStatus[] files = hdfs.listStatus(new Path(output, "checkpoints"), p -> p.getName().endsWith(".ckpt"));
        return Arrays.stream(files).map(FileStatus::getPath).sorted().toList();
    }

    @Test
    void uninterruptedRunOnHdfsWritesEverythingThereAndMatchesALocalRun(@TempDir java.nio.file.Path tmp) throws IOException {
        String out = root + "/runs/reference";
        assertThat(hdfs.exists(new Path(out, "model.zip"))).isTrue();
        assertThat(hdfs.exists(new Path(out, "summary.json"))).isTrue();
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(checkpoints(out)).extracting(Path::getName)
                .containsExactly("step-000000000004.ckpt", "step-000000000006.ckpt", "step-000000000008.ckpt");

        // The same data read from the local file system, output there too: the file system changes nothing.
        String localTrain = TestFiles.parquet(DATA.frame(spark), tmp.resolve("train"));
        RunConfig localConfig = TestSpark.config(tmp.resolve("run"), overrides(localTrain).toArray(new String[0]));
        float[] onLocal = new SparkTrainer(spark, localConfig).fit().parameters();
        assertThat(Arrays.equals(onLocal, uninterrupted)).as("HDFS run bitwise equal to the local run").isTrue();
    }

    @Test
    void resumedRunEqualsUninterruptedRunBitwise(TestInfo test) throws IOException {
        String out = output(test);
        assertThatThrownBy(() -> crashingAfter(config(out), 5).fit()).hasMessageContaining("simulated driver crash");
        assertThat(checkpoints(out)).extracting(Path::getName).containsExactly("step-000000000002.ckpt", "step-000000000004.ckpt");
        assertThat(checkpoints(out)).allSatisfy(p -> assertThat(p.toUri().getScheme()).isEqualTo("hdfs"));
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(hdfs.exists(new Path(out, "model.zip"))).isFalse();

        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
        assertThat(resumed.history()).extracting(m -> m.step()).containsExactly(5L, 6L, 7L, 8L);
        assertThat(metricSteps(out)).as("each step exactly once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(checkpoints(out)).extracting(Path::getName)
                .containsExactly("step-000000000004.ckpt", "step-000000000006.ckpt", "step-000000000008.ckpt");
        assertThat(hdfs.exists(new Path(out, "model.zip"))).isTrue();
        assertThat(hdfs.exists(new Path(out, "summary.json"))).isTrue();

        // Resuming the finished run again trains nothing and rewrites model.zip and summary.json, which HDFS's rename,
        // unlike the local file system's, would not replace by itself.
        TrainedModel again = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(again.history()).as("nothing left to train").isEmpty();
        assertThat(Arrays.equals(again.parameters(), uninterrupted)).isTrue();
        assertThat(hdfs.listStatus(new Path(out), p -> p.getName().startsWith(".") && !RunLease.isLeaseFile(p.getName())))
                .as("no temporary files left").isEmpty();
        FileStatus[] leases = hdfs.listStatus(new Path(out), p -> RunLease.isLeaseFile(p.getName()));
        assertThat(leases).as("one lease file left, released").hasSize(1);
        try (InputStream in = hdfs.open(leases[0].getPath())) {
            assertThat(LeaseRecord.parse(in.readAllBytes())).hasValueSatisfying(r -> assertThat(r.released()).isTrue());
        }
        assertThat(metricSteps(out)).as("each step exactly once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void truncatedNewestCheckpointOnHdfsFallsBackToThePreviousOne(TestInfo test) throws IOException {
        String out = output(test);
        assertThatThrownBy(() -> crashingAfter(config(out), 7).fit()).hasMessageContaining("simulated driver crash");
        List<Path> saved = checkpoints(out);
        assertThat(saved).extracting(Path::getName)
                .containsExactly("step-000000000002.ckpt", "step-000000000004.ckpt", "step-000000000006.ckpt");
        Path newest = saved.get(saved.size() - 1);
        byte[] whole;
        try (InputStream in = hdfs.open(newest)) {
            whole = in.readAllBytes();
        }
        try (OutputStream o = hdfs.create(newest, true)) {
            o.write(whole, 0, whole.length - 100);
        }
        assertThat(hdfs.getFileStatus(newest).getLen()).isEqualTo(whole.length - 100);

        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(resumed.history().get(0).step()).as("resumed after step 4, from the previous checkpoint").isEqualTo(5);
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
        assertThat(metricSteps(out)).as("each step exactly once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    /**
     * A real driver process is killed (SIGKILL) mid-run: its HDFS client dies holding the lease on metrics.jsonl (and
     * perhaps on a half-written hidden checkpoint), and the resumed run must still take over the directory.
     */
    @Test
    void killedDriverProcessResumesBitwiseExactly(TestInfo test, @TempDir java.nio.file.Path tmp) throws Exception {
        String out = output(test);
        java.nio.file.Path conf = tmp.resolve("run.conf");
        Files.writeString(conf, String.join("\n", hocon(out, List.of("checkpoint.every-steps=1", "lease.timeout-seconds=600"))) + "\n");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        Arrays.stream(System.getProperty("sparklamb.java17.flags", "").split(" ")).filter(s -> !s.isBlank()).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ResumeMain.class.getName(), conf.toString(), "slow"));
        java.nio.file.Path log = tmp.resolve("driver.log");
        Process driver = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && (!hdfs.exists(new Path(out, "checkpoints")) || checkpoints(out).size() < 2)) {
                assertThat(driver.isAlive()).as("driver still running; log: " + log).isTrue();
                Thread.sleep(100);
            }
            assertThat(checkpoints(out)).as("checkpoints before the kill").hasSizeGreaterThanOrEqualTo(2);
        } finally {
            driver.destroyForcibly().waitFor();
        }
        assertThat(metricSteps(out).size()).as("killed before the end").isLessThan(8);
        assertThat(((DistributedFileSystem) hdfs).isFileClosed(new Path(out, "metrics.jsonl")))
                .as("metrics.jsonl still open for writing by the dead driver's client").isFalse();
        // The dead driver's run lease is live until its timeout (600 s): a resume is refused and changes nothing; a
        // resume whose clock is past the timeout takes the stale lease over.
        Map<String, String> before = snapshot(out);
        assertThatThrownBy(() -> new SparkTrainer(spark, config(out)).resume(true).fit())
                .isInstanceOf(LeaseHeldException.class).hasMessageContaining("another run holds the lease");
        assertThat(snapshot(out)).as("files after the refused resume").isEqualTo(before);

        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(601))).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
        assertThat(metricSteps(out)).as("each step exactly once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(hdfs.exists(new Path(out, "model.zip"))).isTrue();
    }

    /** Every file under {@code dir} on HDFS: path to length and content hash. */
    static Map<String, String> snapshot(String dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        var it = hdfs.listFiles(new Path(dir), true);
        while (it.hasNext()) {
            FileStatus f = it.next();
            try (InputStream in = hdfs.open(f.getPath())) {
                byte[] bytes = in.readAllBytes();
                files.put(f.getPath().toUri().getPath(), bytes.length + ":" + Arrays.hashCode(bytes));
            }
        }
        return files;
    }

    /** Two resumes of one run on HDFS: while the first runs, the second is refused with the lease error and changes nothing. */
    @Test
    void aSecondResumeWhileTheFirstIsRunningIsRefusedAndChangesNothing(TestInfo test) throws Exception {
        String out = output(test);
        assertThatThrownBy(() -> crashingAfter(config(out), 3).fit()).hasMessageContaining("simulated driver crash");
        // A long lease timeout: the first run does not renew (rewrite its lease) while the second one is refused.
        RunConfig config = ConfigLoader.load("", "test", hocon(out, List.of("lease.timeout-seconds=600")));
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService first = Executors.newSingleThreadExecutor();
        try {
            Future<TrainedModel> running = first.submit(() -> new SparkTrainer(spark, config).resume(true).listener((m, p, u) -> {
                if (p.nextStep() == 3) {
                    paused.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }).fit());
            assertThat(paused.await(120, TimeUnit.SECONDS)).as("the first resume reached step 3").isTrue();
            Map<String, String> before = snapshot(out);
            assertThatThrownBy(() -> new SparkTrainer(spark, config).resume(true).fit())
                    .isInstanceOf(LeaseHeldException.class)
                    .hasMessageContaining("another run holds the lease on 'hdfs://").hasMessageContaining("nothing was changed");
            assertThat(snapshot(out)).as("files after the refused second resume").isEqualTo(before);
            go.countDown();
            TrainedModel resumed = running.get(300, TimeUnit.SECONDS);
            assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
            assertThat(metricSteps(out)).as("each step exactly once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        } finally {
            go.countDown();
            first.shutdownNow();
        }
    }

    /** HDFS's create-if-absent arbitrates: of several runs taking the lease at once, exactly one holds it. */
    @Test
    void ofRunsTakingTheLeaseOnHdfsAtOnceExactlyOneHoldsIt(TestInfo test) throws Exception {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        int runs = 4;
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            for (int round = 0; round < 4; round++) {
                String dir = output(test) + "-" + round;
                if (round % 2 == 1) { // half the rounds start from a released lease
                    RunLease.acquire(dir, hadoop, Duration.ofMinutes(10), Clock.systemUTC()).close();
                }
                CyclicBarrier start = new CyclicBarrier(runs);
                List<Future<RunLease>> attempts = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    attempts.add(pool.submit(() -> {
                        start.await();
                        try {
                            return RunLease.acquire(dir, hadoop, Duration.ofMinutes(10), Clock.systemUTC());
                        } catch (LeaseHeldException refused) {
                            return null;
                        }
                    }));
                }
                List<RunLease> holders = new ArrayList<>();
                for (Future<RunLease> f : attempts) {
                    RunLease l = f.get(120, TimeUnit.SECONDS);
                    if (l != null) {
                        holders.add(l);
                    }
                }
                assertThat(holders).as("round %d: runs holding the lease", round).hasSize(1);
                holders.forEach(RunLease::close);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * import-text (not a checkpoint, but it shares this class's HDFS): text files read through an hdfs:// glob, the
     * output written to hdfs:// under its temporary sibling and renamed into place.
     */
    @Test
    void importTextFromAndToHdfs() throws IOException {
        String[] texts = {"The people of the United States.\nThe people pay the taxes.\n",
                "The Congress shall assemble once in every year.\n", "Every year the people send the report to the Congress.\n"};
        for (int i = 0; i < texts.length; i++) {
            try (OutputStream o = hdfs.create(new Path("/text/doc-" + i + ".txt"))) {
                o.write(texts[i].getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = root + "/imported/text";
        Map<String, Object> report = dev.sparklamb.spark.data.text.TextImporter.run(spark, new dev.sparklamb.spark.data.text.TextImportSettings(
                List.of(root + "/text/*.txt"), out, null, 60, true, List.of(8), 512, 0, 1, 0, 10));
        assertThat(report.get("documents")).isEqualTo(3);
        assertThat(hdfs.exists(new Path("/imported/text/vocab.txt"))).isTrue();
        assertThat(hdfs.exists(new Path("/imported/text/text-import.json"))).isTrue();
        assertThat(Arrays.stream(hdfs.listStatus(new Path("/imported"))).map(st -> st.getPath().getName())).containsExactly("text");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) report.get("outputs");
        Map<String, Object> train = outputs.stream().filter(o -> o.get("split").equals("train")).findFirst().orElseThrow();
        assertThat(spark.read().parquet(out + "/seq-8/train").count()).isEqualTo(((Number) train.get("sequences")).longValue()).isPositive();
    }
}
