package dev.sparklamb.spark.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DataSettings;
import dev.sparklamb.spark.config.TokenSettings;
import java.io.File;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Unpersisting the disk cache deletes its files: Spark closes each dropped block ({@link ExampleBlock#close()}). */
@ExtendWith(LocalSpark.class)
class DiskCacheReleaseTest {

    static SparkSession spark;

    @Test
    void droppingTheCachedBlocksDeletesTheirFiles() {
        DataSettings settings = new DataSettings("", "", DataFormat.PARQUET, "features", "label", 3, TokenSettings.DEFAULT, DataCache.DISK);
        CachedExamples cached = new DatasetReader(spark, settings, 784, 10, 1).fromDataFrame(TestSpark.pixels(spark, 600), "pixels");
        List<String> files = cached.persisted().map(b -> b.diskRows().file().getPath()).collect();
        assertThat(files).hasSize(3).allSatisfy(f -> assertThat(new File(f)).exists());
        assertThat(cached.blocks().map(ExampleBlock::storage).collect()).allSatisfy(s -> assertThat(s).startsWith("disk scaled_byte"));
        cached.persisted().unpersist(true); // what release() does, waiting for it
        assertThat(files).allSatisfy(f -> assertThat(new File(f)).doesNotExist());
    }
}
