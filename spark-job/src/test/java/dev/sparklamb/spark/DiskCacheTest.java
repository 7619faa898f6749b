package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DataSettings;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.TokenSettings;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code spark-lamb.data.cache = disk} trains bitwise like the in-memory cache: the same examples in the same
 * partitions and order, decoded to the same floats, whether the features are stored as bytes (values b / 255, in the
 * heap and on disk alike) or as float32; the held-out evaluation reads the disk cache too. The memory cache's bytes
 * train bitwise like the float32 block a single process holds, and pixel data is held as bytes.
 */
@ExtendWith(LocalSpark.class)
class DiskCacheTest {

    static SparkSession spark;
    static final TestSpark.Synthetic FLOATS = TestSpark.synthetic(500, 8, 21);
    static final TestSpark.Synthetic PIXELS = pixels(FLOATS);
    static final TestSpark.Synthetic HELD_OUT = pixels(TestSpark.synthetic(120, 8, 22));

    @TempDir
    Path tmp;

    /** The same examples with every feature rounded to a byte b and stored as b / 255f, as import-mnist writes pixels. */
    static TestSpark.Synthetic pixels(TestSpark.Synthetic s) {
        float[][] x = new float[s.features().length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[s.features()[i].length];
            for (int k = 0; k < x[i].length; k++) {
                x[i][k] = Math.round(s.features()[i][k] * 255f) / 255f;
            }
        }
        return new TestSpark.Synthetic(x, s.labels(), s.side());
    }

    TrainedModel train(String cache, int partitions, TestSpark.Synthetic data) {
        String[] base = DistributedEqualsLocalTest.overrides(partitions, "mlp");
        String[] all = Arrays.copyOf(base, base.length + 2);
        all[base.length] = "data.cache=" + cache;
        all[base.length + 1] = "training.eval-every-steps=2";
        RunConfig config = TestSpark.config(tmp.resolve(cache + partitions), all);
        return new SparkTrainer(spark, config).fit(data.frame(spark), HELD_OUT.frame(spark));
    }

    @ParameterizedTest(name = "P = {0}, {1} features")
    @CsvSource({"2, float32", "3, byte", "2, byte"})
    void diskCacheEqualsMemoryCacheBitwise(int partitions, String features) {
        TestSpark.Synthetic data = features.equals("byte") ? PIXELS : FLOATS;
        TrainedModel memory = train("memory", partitions, data);
        TrainedModel disk = train("disk", partitions, data);
        assertThat(disk.history()).hasSize(5);
        assertThat(Arrays.equals(disk.parameters(), memory.parameters())).as("bitwise equal parameters").isTrue();
        for (int i = 0; i < memory.history().size(); i++) {
            assertThat(disk.history().get(i).loss()).isEqualTo(memory.history().get(i).loss());
        }
        assertThat(disk.finalEvaluation().orElseThrow().meanLoss()).isEqualTo(memory.finalEvaluation().orElseThrow().meanLoss());
        assertThat(disk.finalEvaluation().orElseThrow().accuracy()).isEqualTo(memory.finalEvaluation().orElseThrow().accuracy());
    }

    @Test
    void memoryCacheOfPixelsTrainsBitwiseLikeTheFloat32Block() {
        // P = 1: the one cached block (bytes) holds the rows of the single process's float32 block (TestSpark.Synthetic#block)
        TrainedModel memory = train("memory", 1, PIXELS);
        float[] float32 = DistributedEqualsLocalTest.local(TestSpark.config(tmp.resolve("local"),
                DistributedEqualsLocalTest.overrides(1, "mlp")), PIXELS);
        assertThat(Arrays.equals(memory.parameters(), float32)).as("bitwise equal parameters").isTrue();
    }

    /** The blocks' {@link ExampleBlock#storage()} when {@code n} examples of {@code features} are cached in memory, P = 2. */
    static List<String> memoryStorage(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame, int features) {
        DataSettings settings = new DataSettings("", "", DataFormat.PARQUET, "features", "label", 2, TokenSettings.DEFAULT, DataCache.MEMORY);
        CachedExamples cached = new DatasetReader(spark, settings, features, 10, 42).fromDataFrame(frame, "storage test");
        try {
            return cached.blocks().map(ExampleBlock::storage).collect();
        } finally {
            cached.release();
        }
    }

    @Test
    void memoryCacheHoldsPixelsAsOneBytePerValue() {
        // MNIST-like: 784 values b / 255 per example, as import-mnist writes them (TestSpark#pixels)
        List<String> pixels = memoryStorage(TestSpark.pixels(spark, 300), 784);
        assertThat(pixels).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("memory scaled_byte, "));
        long bytes = pixels.stream().mapToLong(s -> Long.parseLong(s.replaceAll("\\D+", ""))).sum();
        assertThat(bytes).isEqualTo(300L * 784);
        assertThat(memoryStorage(FLOATS.frame(spark), 64)).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("memory float32, "));
    }
}
