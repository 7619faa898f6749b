package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainingResult;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two executor JVMs (Spark's local-cluster master): partitions run in other processes, parameters and gradients
 * really cross process boundaries, and the result still equals single-process training.
 */
class SeparateJvmsLocalClusterTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 11);

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder()
                .master("local-cluster[2,1,1536]")
                .appName("spark-lamb-local-cluster-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                        + " -Dlog4j2.configurationFile=" + System.getProperty("sparklamb.project.dir", ".") + "/conf/log4j2.properties")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @ParameterizedTest(name = "P = {0}")
    @ValueSource(ints = {2, 4})
    void twoExecutorJvmsMatchSingleProcess(int partitions) {
        RunConfig config = TestSpark.config(tmp.resolve("out"), DistributedEqualsLocalTest.overrides(partitions, "mlp"));
        TrainingResult result = new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
        float[] expected = DistributedEqualsLocalTest.local(config, DATA);
        DistributedEqualsLocalTest.assertClose(result.parameters(), expected, 1e-5);
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
        // 5 steps and 2 evaluations... on one core per executor: each JVM built its replica once, not once per step.
        assertThat(perExecutor).allMatch(s -> s.endsWith(" built 1"), Arrays.toString(perExecutor.toArray()));
    }
}
