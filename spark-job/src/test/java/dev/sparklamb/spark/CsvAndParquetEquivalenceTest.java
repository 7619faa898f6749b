package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The same examples as Parquet (array column) and as CSV (one column per feature) train to the same bits. */
@ExtendWith(LocalSpark.class)
class CsvAndParquetEquivalenceTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(300, 8, 21);
    static final TestSpark.Synthetic TEST = TestSpark.synthetic(60, 8, 22);

    @TempDir
    Path tmp;

    RunConfig config(String name, String format, String train, String test) {
        return TestSpark.config(tmp.resolve(name), "model.input-height=8", "model.input-width=8", "data.partitions=3",
                "data.format=" + format, "data.train=\"" + train + "\"", "data.test=\"" + test + "\"",
                "training.global-batch=96", "training.micro-batch=20", "training.epochs=2", "training.max-steps=4",
                "optimizer.learning-rate.base=0.01", "optimizer.weight-decay=0.01");
    }

    @Test
    void csvFloatTextRoundTrips() {
        for (float[] row : DATA.features()) {
            for (float v : row) {
                assertThat((float) Double.parseDouble(Float.toString(v))).isEqualTo(v);
            }
        }
    }

    @Test
    void csvAndParquetTrainToBitwiseIdenticalParameters() {
        String parquetTrain = TestFiles.parquet(DATA.frame(spark), tmp.resolve("train.parquet"));
        String parquetTest = TestFiles.parquet(TEST.frame(spark), tmp.resolve("test.parquet"));
        String csvTrain = TestFiles.csv(DATA, tmp.resolve("train.csv").resolve("data.csv")).toUri().toString();
        String csvTest = TestFiles.csv(TEST, tmp.resolve("test.csv").resolve("data.csv")).toUri().toString();

        TrainedModel fromParquet = new SparkTrainer(spark, config("out-parquet", "parquet", parquetTrain, parquetTest)).fit();
        TrainedModel fromCsv = new SparkTrainer(spark, config("out-csv", "csv", csvTrain, csvTest)).fit();
        assertThat(fromParquet.history()).hasSize(4);
        assertThat(fromCsv.history()).hasSize(4);
        assertThat(fromCsv.parameters()).as("CSV vs Parquet parameters").isEqualTo(fromParquet.parameters());
        for (int i = 0; i < 4; i++) {
            assertThat(fromCsv.history().get(i).loss()).as("loss of step %d", i + 1).isEqualTo(fromParquet.history().get(i).loss());
        }
        assertThat(fromCsv.finalEvaluation()).isPresent();
        assertThat(fromCsv.finalEvaluation().get().accuracy()).isEqualTo(fromParquet.finalEvaluation().get().accuracy());
        assertThat(fromCsv.finalEvaluation().get().examples()).isEqualTo(60);

        // And the in-memory DataFrame entry point agrees with both.
        TrainedModel fromFrame = new SparkTrainer(spark, config("out-frame", "parquet", parquetTrain, parquetTest))
                .fit(DATA.frame(spark), TEST.frame(spark));
        assertThat(fromFrame.parameters()).as("Dataset<Row> vs Parquet parameters").isEqualTo(fromParquet.parameters());
    }
}
