package dev.sparklamb.spark.data;

import org.apache.spark.api.java.JavaRDD;

/**
 * A data set decoded, validated and cached on the executors: one {@link ExampleBlock} per partition. The driver
 * keeps only the counts.
 */
public record CachedExamples(JavaRDD<ExampleBlock> blocks, long count, int partitions, String description) {

    public void release() {
        blocks.unpersist(false);
    }
}
