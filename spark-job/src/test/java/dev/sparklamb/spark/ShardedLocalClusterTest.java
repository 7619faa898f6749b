package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded all-reduce across executor JVMs: shard slices, gradient slices and parameter slices really cross
 * process boundaries through Spark's shuffle, and the result is still bitwise the tree all-reduce's (which
 * {@link SeparateJvmsLocalClusterTest} compares with single-process training), run after run.
 */
class ShardedLocalClusterTest {

    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 11);

    @TempDir
    Path tmp;

    TrainedModel train(SparkSession spark, String name, int partitions, String allReduce, String... extra) {
        String[] base = ShardedAllReduceTest.overrides(partitions, "lamb", allReduce, 0, extra);
        RunConfig config = TestSpark.config(tmp.resolve(name), base);
        return new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
    }

    @Test
    void twoExecutorJvms() {
        SparkSession spark = TestSpark.localCluster(2, 1536);
        try {
            for (int partitions : new int[] {2, 4}) {
                TrainedModel tree = train(spark, "tree" + partitions, partitions, "tree");
                TrainedModel sharded = train(spark, "sharded" + partitions, partitions, "sharded");
                assertThat(Arrays.mismatch(sharded.parameters(), tree.parameters())).as("P = %d: first differing parameter", partitions)
                        .isEqualTo(-1);
                ShardedAllReduceTest.assertStateEquals(sharded.optimizerState(), tree.optimizerState());
                assertThat(sharded.history().get(1).communication().executors()).as("traffic measured on both executors").hasSize(2);
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void threeExecutorJvmsAndRunToRunReproducibility() {
        SparkSession spark = TestSpark.localCluster(3, 1024);
        try {
            TrainedModel tree = train(spark, "tree", 3, "tree");
            TrainedModel a = train(spark, "a", 3, "sharded");
            TrainedModel b = train(spark, "b", 3, "sharded");
            assertThat(Arrays.mismatch(a.parameters(), tree.parameters())).as("first parameter differing from tree").isEqualTo(-1);
            assertThat(Arrays.mismatch(b.parameters(), a.parameters())).as("first parameter differing between runs").isEqualTo(-1);
            ShardedAllReduceTest.assertStateEquals(b.optimizerState(), a.optimizerState());
        } finally {
            spark.stop();
        }
    }

    @Test
    void aKilledExecutorNeverCorruptsTheRun() throws Exception {
        SparkSession spark = TestSpark.localCluster(2, 1536);
        try {
            String[] everyStep = {"checkpoint.every-steps=1"};
            float[] undisturbed = train(spark, "undisturbed", 4, "sharded", everyStep).parameters();
            AtomicReference<String> killed = new AtomicReference<>();
            Thread[] killer = new Thread[1];
            RunConfig config = TestSpark.config(tmp.resolve("disturbed"), ShardedAllReduceTest.overrides(4, "lamb", "sharded", 0, everyStep));
            TrainedModel disturbed = null;
            RuntimeException failure = null;
            try {
                disturbed = new SparkTrainer(spark, config).listener((m, p, u) -> {
                    if (p.nextStep() == 2) {
                        long delay = Math.max(1, (long) (m.stepMillis() / 2));
                        killer[0] = new Thread(() -> {
                            try {
                                Thread.sleep(delay);
                            } catch (InterruptedException e) {
                                return;
                            }
                            List<ProcessHandle> all = ProcessHandle.current().descendants().toList();
                            all.stream().filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst().ifPresent(h -> {
                                h.destroyForcibly();
                                killed.set("executor process " + h.pid() + " killed " + delay + " ms into step 3");
                            });
                        });
                        killer[0].start();
                    }
                }).fit(DATA.frame(spark), null);
            } catch (RuntimeException e) {
                failure = e;
            }
            killer[0].join();
            assertThat(killed.get()).as("an executor was killed").startsWith("executor process");
            if (failure != null) {
                // The executor held shards: the run stops and says how to continue; resuming gives the same result.
                assertThat(failure).hasMessageContaining("re-run with --resume");
                disturbed = new SparkTrainer(spark, config).resume(true).fit(DATA.frame(spark), null);
            }
            assertThat(Arrays.equals(disturbed.parameters(), undisturbed))
                    .as("bitwise equal to the undisturbed run after " + killed.get() + (failure == null ? "" : " and a resume")).isTrue();
        } finally {
            spark.stop();
        }
    }
}
