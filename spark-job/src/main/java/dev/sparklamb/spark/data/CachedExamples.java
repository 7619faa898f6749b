package dev.sparklamb.spark.data;

import org.apache.spark.api.java.JavaRDD;

/**
 * A data set decoded, validated and cached on the executors: one {@link ExampleBlock} per partition. The driver
 * keeps only the counts.
 *
 * @param persisted the RDD that Spark caches: {@code blocks} itself, or (disk cache) the handles {@code blocks} reads
 */
public record CachedExamples(JavaRDD<ExampleBlock> blocks, long count, int partitions, String description, JavaRDD<ExampleBlock> persisted) {

    public CachedExamples(JavaRDD<ExampleBlock> blocks, long count, int partitions, String description) {
        this(blocks, count, partitions, description, blocks);
    }

    /** Drops the cached blocks; Spark closes each one ({@link ExampleBlock#close()}), which deletes a disk block's file. */
    public void release() {
        persisted.unpersist(false);
    }
}
