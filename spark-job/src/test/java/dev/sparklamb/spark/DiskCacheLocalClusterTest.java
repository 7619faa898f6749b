package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.RDDBlockId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * {@code spark-lamb.data.cache = disk} with executors whose heap is smaller than the data set: two executor JVMs of
 * {@value #EXECUTOR_MB} MB each, {@value #N} MNIST-sized examples (784 features, {@value #N} x 784 x 4 bytes = 301 MB as
 * float32, more than both heaps together). Training completes and equals single-process training on the same data;
 * and a task that runs on the executor that does not hold a partition's cached block reads the right rows.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings(executors = 2, executorMemoryMb = DiskCacheLocalClusterTest.EXECUTOR_MB,
        conf = {"spark.executor.memory=" + DiskCacheLocalClusterTest.EXECUTOR_MB + "m",
            // Spark reserves 300 MB of every heap and refuses smaller executors; its test switch lowers that to 64 MB
            "spark.testing.reservedMemory=" + (64 << 20),
            // an executor refuses to start when this (default 200 MB) exceeds its direct memory (= its heap)
            "spark.network.maxRemoteBlockSizeFetchToMem=64m"})
class DiskCacheLocalClusterTest {

    static final int EXECUTOR_MB = 128;
    static final int N = 96_000;
    static final int SIDE = 28;
    static final int D = SIDE * SIDE;

    static SparkSession spark;

    @TempDir
    Path tmp;

    /** The examples of {@link TestSpark#pixels}, computed here, in id order. */
    static TestSpark.Synthetic expected(int n) {
        float[][] x = new float[n][D];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = TestSpark.pixel(i, j);
            }
            y[i] = TestSpark.pixelLabel(i);
        }
        return new TestSpark.Synthetic(x, y, SIDE);
    }

    RunConfig config() {
        return TestSpark.config(tmp.resolve("out"), "model.preset=mlp", "model.input-height=" + SIDE, "model.input-width=" + SIDE,
                "data.partitions=2", "data.cache=disk", "training.global-batch=1024", "training.micro-batch=256",
                "training.epochs=1", "training.max-steps=3", "optimizer.learning-rate.base=0.01");
    }

    @Test
    void dataLargerThanExecutorMemoryTrainsLikeOneProcess() {
        List<Long> heaps = spark.range(0, 2, 1, 2).javaRDD().map(r -> Runtime.getRuntime().maxMemory()).collect();
        System.out.printf("data.cache = disk: %d examples x %d features = %d bytes as float32; executor heaps (max) %s bytes%n",
                N, D, (long) N * D * 4, heaps);
        for (long heap : heaps) {
            assertThat(heap).as("an executor heap smaller than the data set").isLessThan((long) N * D * 4);
        }
        RunConfig config = config();
        TrainedModel result = new SparkTrainer(spark, config).fit(TestSpark.pixels(spark, N), null);
        assertThat(result.history()).hasSize(3);
        float[] reference = DistributedEqualsLocalTest.local(config, expected(N));
        DistributedEqualsLocalTest.assertClose(result.parameters(), reference, 1e-5);
    }

    @Test
    void aTaskOnTheOtherExecutorReadsThePartitionAgain() {
        int n = 4_000;
        RunConfig config = config();
        CachedExamples cached = new DatasetReader(spark, config.data(), D, 10, config.seed()).fromDataFrame(TestSpark.pixels(spark, n), "generated data");
        try {
            // Which executor holds each partition's cached block; each task below is placed on the other one.
            List<Tuple2<Integer, Seq<String>>> placement = new ArrayList<>();
            List<String> executors = new ArrayList<>();
            for (int p = 0; p < cached.partitions(); p++) {
                List<BlockManagerId> at = JavaConverters.seqAsJavaList(SparkEnv.get().blockManager().master()
                        .getLocations(new RDDBlockId(cached.persisted().id(), p)));
                assertThat(at).as("partition %d cached once", p).hasSize(1);
                String holder = at.get(0).executorId();
                String other = holder.equals("0") ? "1" : "0";
                executors.add(holder + " -> " + other);
                placement.add(new Tuple2<>(p, JavaConverters.asScalaBuffer(List.of("executor_" + at.get(0).host() + "_" + other)).toSeq()));
            }
            JavaRDD<Integer> elsewhere = spark.sparkContext().makeRDD(JavaConverters.asScalaBuffer(placement).toSeq(),
                    scala.reflect.ClassTag$.MODULE$.apply(Integer.class)).toJavaRDD();
            List<String> read = cached.blocks().zipPartitions(elsewhere, (blocks, partition) -> {
                ExampleBlock b = blocks.next();
                int[] rows = new int[b.size()];
                for (int r = 0; r < rows.length; r++) {
                    rows[r] = r;
                }
                float[] x = new float[rows.length * D];
                b.gatherFeatures(rows, 0, rows.length, x);
                long wrong = 0;
                for (int r = 0; r < rows.length; r++) {
                    for (int j = 0; j < D; j++) {
                        wrong += Float.floatToRawIntBits(x[r * D + j]) == Float.floatToRawIntBits(TestSpark.pixel(b.id(r), j)) ? 0 : 1;
                    }
                }
                return List.of(partition.next() + " read on executor " + SparkEnv.get().executorId() + ": " + rows.length + " rows, "
                        + wrong + " wrong values, " + b.storage()).iterator();
            }).collect();
            System.out.println("cached on -> read on: " + executors + "; " + read);
            for (int p = 0; p < read.size(); p++) {
                String other = executors.get(p).substring(executors.get(p).length() - 1);
                assertThat(read.get(p)).startsWith(p + " read on executor " + other + ":").contains(" 0 wrong values");
            }
            long rows = read.stream().mapToLong(s -> Long.parseLong(s.replaceAll(".*: (\\d+) rows.*", "$1"))).sum();
            assertThat(rows).isEqualTo(n);
        } finally {
            cached.release();
        }
    }
}
