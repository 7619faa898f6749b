package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code spark-lamb.data.cache = disk} trains bitwise like the in-memory cache: the same examples in the same
 * partitions and order, decoded to the same floats, whether the features are stored as bytes (values b / 255) or as
 * float32; the held-out evaluation reads the disk cache too.
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
}
