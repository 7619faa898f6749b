package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two executor JVMs (Spark's local-cluster master): partitions run in other processes, parameters and gradients
 * really cross process boundaries, and the result still equals single-process training.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings(executors = 2, executorMemoryMb = 1536)
class SeparateJvmsLocalClusterTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 11);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "P = {0}")
    @ValueSource(ints = {2, 4})
    void twoExecutorJvmsMatchSingleProcess(int partitions) {
        RunConfig config = TestSpark.config(tmp.resolve("out"), DistributedEqualsLocalTest.overrides(partitions, "mlp"));
        TrainedModel result = new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
        float[] expected = DistributedEqualsLocalTest.local(config, DATA);
        DistributedEqualsLocalTest.assertClose(result.parameters(), expected, 1e-5);
    }

    @Test
    void executorKilledInTheMiddleOfAStepLosesNoGradient() throws Exception {
        float[] undisturbed = new SparkTrainer(spark, TestSpark.config(tmp.resolve("undisturbed"),
                DistributedEqualsLocalTest.overrides(4, "mlp"))).fit(DATA.frame(spark), null).parameters();
        AtomicReference<String> killed = new AtomicReference<>();
        Thread[] killer = new Thread[1];
        TrainedModel disturbed = new SparkTrainer(spark, TestSpark.config(tmp.resolve("disturbed"),
                DistributedEqualsLocalTest.overrides(4, "mlp")))
                .listener((m, p, u) -> {
                    if (p.nextStep() == 2) {
                        // Step 3 starts as soon as this returns; kill an executor about half-way through it.
                        long delay = Math.max(1, (long) (m.stepMillis() / 2));
                        killer[0] = new Thread(() -> {
                            try {
                                Thread.sleep(delay);
                            } catch (InterruptedException e) {
                                return;
                            }
                            List<ProcessHandle> all = ProcessHandle.current().descendants().toList();
                            // The local-cluster workers run inside this JVM; the only java child processes are executors.
                            // (Their command lines are too long for /proc to show the main class.)
                            all.stream().filter(h -> h.info().command().orElse("").endsWith("/java"))
                                    .findFirst()
                                    .ifPresentOrElse(h -> {
                                        h.destroyForcibly();
                                        killed.set("executor process " + h.pid() + " killed " + delay + " ms into step 3");
                                    }, () -> killed.set("none found among " + all.stream()
                                            .map(h -> h.pid() + ":" + h.info().command().orElse("?"))
                                            .toList()));
                        });
                        killer[0].start();
                    }
                })
                .fit(DATA.frame(spark), null);
        killer[0].join();
        assertThat(killed.get()).as("an executor was killed").startsWith("executor process");
        assertThat(disturbed.history()).hasSize(5);
        assertThat(Arrays.equals(disturbed.parameters(), undisturbed))
                .as("bitwise equal to the undisturbed run after " + killed.get()).isTrue();
    }

    @Test
    void tasksRunInOtherProcessesWithResidentReplicas() {
        RunConfig config = TestSpark.config(tmp.resolve("out"), DistributedEqualsLocalTest.overrides(2, "mlp"));
        new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), new Configuration());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> perExecutor = jsc.parallelize(IntStream.range(0, 8).boxed().collect(Collectors.toList()), 8)
                .map(i -> ManagementFactory.getRuntimeMXBean().getName() + " built " + ReplicaPool.built(spec))
                .distinct().collect();
        String driver = ManagementFactory.getRuntimeMXBean().getName();
        assertThat(perExecutor).as("executor processes").hasSizeGreaterThanOrEqualTo(1)
                .noneMatch(s -> s.startsWith(driver + " "));
        // 5 steps on one core per executor: each JVM built its replica once, not once per step (a JVM started to
        // replace a killed executor has built its own single one too).
        assertThat(perExecutor).allMatch(s -> s.endsWith(" built 1"), Arrays.toString(perExecutor.toArray()));
    }
}
