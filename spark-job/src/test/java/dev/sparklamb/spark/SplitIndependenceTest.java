package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Example ids follow (file path, position in file), not the order in which Spark happens to read pieces of files
 * (Spark orders read pieces by size, and cuts files by the cluster's parallelism and split settings): the same files
 * give the same ids, batches and parameters however they are split.
 */
@ExtendWith(LocalSpark.class)
class SplitIndependenceTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(400, 8, 5);

    @TempDir
    Path tmp;

    /** Writes rows [from, to) of DATA as one Parquet file named {@code name} in {@code dir}. */
    static void writeFile(Dataset<Row> all, long from, long to, Path dir, String name) throws IOException {
        Path staging = dir.getParent().resolve("staging-" + name);
        all.filter(org.apache.spark.sql.functions.col("row").geq(from).and(org.apache.spark.sql.functions.col("row").lt(to)))
                .drop("row").coalesce(1).write().parquet(staging.toUri().toString());
        try (Stream<Path> files = Files.list(staging)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.createDirectories(dir);
            Files.move(part, dir.resolve(name));
        }
    }

    @Test
    void idsFollowFilePathOrderNotReadOrder() throws IOException {
        // a.parquet (first in path order) is the SMALL file: Spark reads the bigger b.parquet first.
        Dataset<Row> all = DATA.frame(spark).withColumn("row", org.apache.spark.sql.functions.monotonically_increasing_id());
        Path dir = tmp.resolve("train");
        writeFile(all, 0, 100, dir, "a.parquet");
        writeFile(all, 100, 400, dir, "b.parquet");
        assertThat(Files.size(dir.resolve("a.parquet"))).isLessThan(Files.size(dir.resolve("b.parquet")));
        String[] overrides = {"data.train=\"" + dir.toUri() + "\"", "data.partitions=1", "model.input-height=8", "model.input-width=8",
            "training.global-batch=100", "training.micro-batch=50", "training.max-steps=4", "optimizer.learning-rate.base=0.01"};
        RunConfig config = TestSpark.config(tmp.resolve("a"), overrides);
        float[] fromFiles = new SparkTrainer(spark, config).fit().parameters();
        // the single-process reference holds the examples in the files' path order: a's 100 rows, then b's 300
        float[] pathOrder = DistributedEqualsLocalTest.local(config, DATA);
        DistributedEqualsLocalTest.assertClose(fromFiles, pathOrder, 1e-6);

        spark.conf().set("spark.sql.files.maxPartitionBytes", "4096");
        spark.conf().set("spark.sql.files.openCostInBytes", "1");
        try {
            float[] smallSplits = new SparkTrainer(spark, TestSpark.config(tmp.resolve("b"), overrides)).fit().parameters();
            assertThat(Arrays.equals(fromFiles, smallSplits)).as("same parameters with files read in small pieces").isTrue();
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
    }
}
