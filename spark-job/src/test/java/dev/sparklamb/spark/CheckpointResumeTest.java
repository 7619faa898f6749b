package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.lease.LeaseHeldException;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import dev.sparklamb.spark.train.TrainingDivergedException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: a run stopped after step k and resumed ends bitwise equal to an uninterrupted run. */
@ExtendWith(LocalSpark.class)
class CheckpointResumeTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(500, 8, 21);
    static String trainPath;
    static float[] uninterrupted;

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        trainPath = TestFiles.parquet(DATA.frame(spark), shared.resolve("train"));
        uninterrupted = new SparkTrainer(spark, config(shared.resolve("reference"))).fit().parameters();
    }

    static String[] overrides(Path output, String... extra) {
        List<String> all = new ArrayList<>(List.of("data.train=\"" + trainPath + "\"", "data.partitions=3",
                "model.input-height=8", "model.input-width=8",
                "training.global-batch=96", "training.micro-batch=32", "training.epochs=2", "training.max-steps=8",
                "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.learning-rate.base=0.01", "checkpoint.every-steps=2", "checkpoint.keep=3"));
        all.addAll(List.of(extra));
        return all.toArray(new String[0]);
    }

    static RunConfig config(Path output, String... extra) {
        return TestSpark.config(output, overrides(output, extra));
    }

    static SparkTrainer crashingAfter(RunConfig config, long step) {
        return new SparkTrainer(spark, config).listener((m, p, u) -> {
            if (p.nextStep() == step) {
                throw new IllegalStateException("simulated driver crash after step " + step);
            }
        });
    }

    static List<Long> metricSteps(Path output) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(output.resolve("metrics.jsonl"))) {
            steps.add(json.readTree(line).get("step").asLong());
        }
        return steps;
    }

    static List<Path> checkpoints(Path output) throws IOException {
        try (Stream<Path> s = Files.list(output.resolve("checkpoints"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ckpt")).sorted().toList();
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRunBitwise() throws IOException {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 5).fit()).hasMessageContaining("simulated driver crash");
        assertThat(checkpoints(out)).extracting(p -> p.getFileName().toString())
                .containsExactly("step-000000000002.ckpt", "step-000000000004.ckpt");

        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
        assertThat(resumed.history()).extracting(m -> m.step()).containsExactly(5L, 6L, 7L, 8L);
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(out.resolve("model.zip")).exists();
    }

    @Test
    void corruptNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 7).fit()).hasMessageContaining("simulated driver crash");
        List<Path> saved = checkpoints(out);
        assertThat(saved).hasSize(3);
        Path newest = saved.get(saved.size() - 1);
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(resumed.history().get(0).step()).as("resumed after step 4, from the previous checkpoint").isEqualTo(5);
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).isTrue();
    }

    @Test
    void truncatedNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 5).fit()).hasMessageContaining("simulated driver crash");
        Path newest = checkpoints(out).get(1);
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(resumed.history().get(0).step()).isEqualTo(3);
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).isTrue();
    }

    @Test
    void freshRunRefusesACheckpointDirHoldingAnotherRunsCheckpoints() throws IOException {
        Path ck = tmp.resolve("ck");
        new SparkTrainer(spark, config(tmp.resolve("a"), "checkpoint.dir=\"" + ck.toUri() + "\"")).fit();
        List<Path> before = checkpointsIn(ck);
        assertThatThrownBy(() -> new SparkTrainer(spark, config(tmp.resolve("b"), "checkpoint.dir=\"" + ck.toUri() + "\"")).fit())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("already holds checkpoints");
        assertThat(tmp.resolve("b")).doesNotExist();
        assertThat(checkpointsIn(ck)).isEqualTo(before);
    }

    @Test
    void resumingAFinishedRunKeepsItsModelAndSummary() throws IOException {
        Path out = tmp.resolve("done");
        new SparkTrainer(spark, config(out)).fit();
        byte[] summary = Files.readAllBytes(out.resolve("summary.json"));
        byte[] model = Files.readAllBytes(out.resolve("model.zip"));
        TrainedModel again = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(again.history()).isEmpty();
        assertThat(Arrays.equals(again.parameters(), uninterrupted)).isTrue();
        assertThat(Files.readAllBytes(out.resolve("summary.json"))).isEqualTo(summary);
        assertThat(Files.readAllBytes(out.resolve("model.zip"))).isEqualTo(model);
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    static List<Path> checkpointsIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ckpt")).sorted().toList();
        }
    }

    @Test
    void checkpointOfAnotherConfigurationIsRefused() {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 3).fit()).hasMessageContaining("simulated driver crash");
        assertThatThrownBy(() -> new SparkTrainer(spark, config(out, "optimizer.learning-rate.base=0.02")).resume(true).fit())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("another model or configuration")
                .hasMessageContaining("step-000000000002.ckpt");
    }

    @Test
    void resumeWithoutCheckpointStartsAfreshAndNotResumingRefusesTheDirectory() {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 1).fit()).hasMessageContaining("simulated driver crash");
        assertThatThrownBy(() -> new SparkTrainer(spark, config(out)).fit())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--resume");
        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(resumed.history()).hasSize(8);
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).isTrue();
    }

    @Test
    void killedDriverProcessResumesBitwiseExactly() throws Exception {
        Path out = tmp.resolve("killed");
        Path conf = tmp.resolve("run.conf");
        StringBuilder hocon = new StringBuilder("spark-lamb.output = \"" + out.toUri() + "\"\n");
        for (String o : overrides(out, "checkpoint.every-steps=1", "lease.timeout-seconds=600")) {
            hocon.append("spark-lamb.").append(o).append('\n');
        }
        Files.writeString(conf, hocon.toString());
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(List.of(System.getProperty("sparklamb.java17.flags", "").split(" ")).stream().filter(s -> !s.isBlank()).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ResumeMain.class.getName(), conf.toString(), "slow"));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("driver.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && (!Files.exists(out.resolve("checkpoints")) || checkpoints(out).size() < 2)) {
                assertThat(driver.isAlive()).as("driver still running; log: " + tmp.resolve("driver.log")).isTrue();
                Thread.sleep(100);
            }
            assertThat(checkpoints(out)).as("checkpoints before the kill").hasSizeGreaterThanOrEqualTo(2);
        } finally {
            driver.destroyForcibly().waitFor();
        }
        assertThat(metricSteps(out).size()).as("killed before the end").isLessThan(8);
        // The killed driver never released its lease: within its timeout (600 s here) a resume is refused, changing
        // nothing; a resume whose clock is past the timeout takes the stale lease over.
        Map<String, String> before = TestFiles.snapshot(out);
        assertThatThrownBy(() -> new SparkTrainer(spark, config(out, "lease.timeout-seconds=600")).resume(true).fit())
                .isInstanceOf(LeaseHeldException.class).hasMessageContaining("another run holds the lease");
        assertThat(TestFiles.snapshot(out)).as("files after the refused resume").isEqualTo(before);
        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(601))).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).isTrue();
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void resumeMayChangeTheKeysThatDoNotChangeTheUpdatesAndStillEndsBitwiseEqual() throws IOException {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 5).fit()).hasMessageContaining("simulated driver crash");
        assertThat(Files.readString(out.resolve("checkpoints/run-config.conf"))).contains("spark-lamb.training.all-reduce = \"tree\"\n");
        TrainedModel resumed = new SparkTrainer(spark, config(out, "training.all-reduce=sharded", "checkpoint.keep=4",
                "training.progress-every-seconds=1", "training.max-consecutive-bad-steps=5", "lease.timeout-seconds=30"))
                .resume(true).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
        assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(checkpoints(out)).as("the new checkpoint.keep").hasSize(4);
        assertThat(Files.readString(out.resolve("checkpoints/run-config.conf"))).as("the record now has the new values")
                .contains("spark-lamb.training.all-reduce = \"sharded\"\n").contains("spark-lamb.checkpoint.keep = 4\n");
    }

    @Test
    void resumeChangingOtherKeysIsRefusedListingEachAndChangesNothing() {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 3).fit()).hasMessageContaining("simulated driver crash");
        Map<String, String> before = TestFiles.snapshot(out);
        assertThatThrownBy(() -> new SparkTrainer(spark, config(out, "training.max-steps=6", "optimizer.beta1=0.8", "checkpoint.keep=4"))
                .resume(true).fit())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("step-000000000002.ckpt was written for another model or configuration: 2 key(s) differ")
                .hasMessageContaining("spark-lamb.optimizer.beta1: 0.9 -> 0.8; spark-lamb.training.max-steps: 8 -> 6")
                .hasMessageContaining("allowed: spark-lamb.checkpoint.keep: 3 -> 4")
                .hasMessageContaining("Only these keys may change on resume: [")
                .hasMessageContaining("nothing was changed");
        assertThat(TestFiles.snapshot(out)).as("files after the refused resume").isEqualTo(before);
    }

    @Test
    void aSecondResumeWhileTheFirstIsRunningIsRefusedAndChangesNothing() throws Exception {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), 3).fit()).hasMessageContaining("simulated driver crash");
        // A long lease timeout: the first run does not renew (rewrite its lease) while the second one is refused.
        RunConfig config = config(out, "lease.timeout-seconds=600");
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
            Map<String, String> before = TestFiles.snapshot(out);
            assertThatThrownBy(() -> new SparkTrainer(spark, config).resume(true).fit())
                    .isInstanceOf(LeaseHeldException.class)
                    .hasMessageContaining("another run holds the lease").hasMessageContaining("nothing was changed");
            assertThat(TestFiles.snapshot(out)).as("files after the refused second resume").isEqualTo(before);
            go.countDown();
            TrainedModel resumed = running.get(300, TimeUnit.SECONDS);
            assertThat(Arrays.equals(resumed.parameters(), uninterrupted)).as("bitwise equal to the uninterrupted run").isTrue();
            assertThat(metricSteps(out)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        } finally {
            go.countDown();
            first.shutdownNow();
        }
    }

    @Test
    void nonFiniteGradientsAreSkippedAndTooManyStopTheRun() {
        // Finite but huge features overflow the forward pass: the gradient of every batch holding one is NaN/Inf.
        TestSpark.Synthetic poisoned = TestSpark.synthetic(500, 8, 21);
        Arrays.fill(poisoned.features()[17], 3e38f);
        String path = TestFiles.parquet(poisoned.frame(spark), tmp.resolve("poisoned"));
        List<float[]> before = new ArrayList<>();
        TrainedModel r = new SparkTrainer(spark, config(tmp.resolve("skip"), "data.train=\"" + path + "\"",
                "training.max-consecutive-bad-steps=2"))
                .listener((m, p, u) -> before.add(u.parameters())).fit();
        long skipped = r.history().stream().filter(m -> m.skipped()).count();
        assertThat(skipped).as("steps whose batch held the poisoned example").isBetween(1L, 2L);
        for (int i = 0; i < r.history().size(); i++) {
            if (r.history().get(i).skipped()) {
                float[] previous = i == 0 ? null : before.get(i - 1);
                if (previous != null) {
                    assertThat(Arrays.equals(before.get(i), previous)).as("a skipped step changes nothing").isTrue();
                }
            }
        }
        for (float v : r.parameters()) {
            assertThat(Float.isFinite(v)).isTrue();
        }
        assertThatThrownBy(() -> new SparkTrainer(spark, config(tmp.resolve("stop"), "data.train=\"" + path + "\"",
                "training.max-consecutive-bad-steps=0")).fit())
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("non-finite")
                .hasMessageContaining("gradient of tensor '");
    }
}
