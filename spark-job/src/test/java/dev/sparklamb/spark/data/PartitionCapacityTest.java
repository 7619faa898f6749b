package dev.sparklamb.spark.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The limit of one partition's block ({@link PartitionCapacity}): exact at the JVM's array limit (expected values are
 * plain arithmetic), and end to end on a small data set with a small limit, which takes the same path (a count per
 * partition in a Spark job) as data of billions of values would.
 */
@ExtendWith(LocalSpark.class)
class PartitionCapacityTest {

    static SparkSession spark;

    @Test
    void fitsIsExactAtTheArrayLimit() {
        long max = PartitionCapacity.MAX_VALUES;
        assertThat(max).isEqualTo(2_147_483_639L);
        assertThat(PartitionCapacity.fits(max, 1, max)).isTrue();
        assertThat(PartitionCapacity.fits(max + 1, 1, max)).isFalse();
        // 46,340^2 = 2,147,395,600 fits; 46,341^2 = 2,147,488,281 does not
        assertThat(PartitionCapacity.fits(46_340, 46_340, max)).isTrue();
        assertThat(PartitionCapacity.fits(46_341, 46_341, max)).isFalse();
        // ImageNet-sized images, 224 x 224 x 3 = 150,528 floats: 14,266 fit (2,147,432,448), 14,267 do not (2,147,582,976)
        assertThat(PartitionCapacity.fits(14_266, 150_528, max)).isTrue();
        assertThat(PartitionCapacity.fits(14_267, 150_528, max)).isFalse();
        // no overflow for counts far beyond the limit
        assertThat(PartitionCapacity.fits(Long.MAX_VALUE / 2, 3, max)).isFalse();
        assertThat(PartitionCapacity.fits(Long.MAX_VALUE, 0, max)).isTrue();
    }

    static JavaRDD<DecodedRow> rows(int count, int features) {
        List<DecodedRow> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(new DecodedRow(i, new float[features], i % 10, "file", null));
        }
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3);
    }

    @Test
    void refusesALargestPartitionAboveTheLimitNamingDataPartitions() {
        // 200 rows of 4 values in 2 partitions: the larger partition holds at least 100 rows = 400 values > 399.
        assertThatThrownBy(() -> PartitionCapacity.require(rows(200, 4), 200, 2, 2, 4, 7, "training data 'x'", 399))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("spark-lamb.data.partitions = 2: partition ")
                .hasMessageContaining("of training data 'x' would hold ")
                .hasMessageContaining("more than the 399 one partition can hold")
                .hasMessageContaining("the data holds 800 values: raise spark-lamb.data.partitions to more than 3");
        assertThatThrownBy(() -> PartitionCapacity.require(rows(200, 4), 200, 0, 2, 4, 7, "training data 'x'", 399))
                .hasMessageStartingWith("spark-lamb.data.partitions = 0 (Spark's default parallelism, 2): ");
    }

    @Test
    void acceptsDataWhosePartitionsFitAlthoughTheWholeDataSetDoesNot() {
        // 800 values in all, limit 200: over 8 partitions the largest holds far fewer than 50 rows (about 25 expected).
        assertThatCode(() -> PartitionCapacity.require(rows(200, 4), 200, 8, 8, 4, 7, "training data", 200)).doesNotThrowAnyException();
        assertThatCode(() -> PartitionCapacity.require(rows(200, 4), 200, 1, 1, 4, 7, "training data", 800)).doesNotThrowAnyException();
    }
}
