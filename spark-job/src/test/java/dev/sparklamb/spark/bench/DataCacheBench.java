package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DataSettings;
import dev.sparklamb.spark.config.TokenSettings;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Per-step batch selection and micro-batch assembly with {@code spark-lamb.data.cache = memory} and {@code disk}
 * (issue: scale, item 2), timed inside the tasks as {@link DataScaleBench} does: MNIST-sized examples (784 features,
 * values b / 255, so the disk cache stores one byte per value) generated on Spark ({@link TestSpark#pixels}), cached
 * both ways by {@link DatasetReader}, the caches taking turns step by step. Both hold such features as one byte per
 * value; a third cache, in memory, of the same pixels negated ({@code -b / 255}: no byte encoding holds them, so
 * float32) is the float32 reference for the same work. Also the time to build each cache and the heap its cached
 * blocks take (Spark's own estimate of the persisted blocks, {@code getRDDStorageInfo}).
 *
 * <p>Arguments: examples, partitions, global batch, micro-batch, steps.
 */
public final class DataCacheBench {

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 60_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8192;
        int micro = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        SparkSession spark = TestSpark.session("local[" + partitions + "]");
        try {
            DataCache[] modes = {DataCache.MEMORY, DataCache.DISK, DataCache.MEMORY};
            String[] names = {"memory", "disk", "memory, pixels negated (float32)"};
            List<CachedExamples> caches = new ArrayList<>();
            for (int c = 0; c < modes.length; c++) {
                DataCache mode = modes[c];
                long t0 = System.nanoTime();
                DataSettings settings = new DataSettings("", "", DataFormat.PARQUET, "features", "label", partitions, TokenSettings.DEFAULT, mode);
                Dataset<Row> pixels = TestSpark.pixels(spark, n);
                Dataset<Row> data = c == 2 ? pixels.selectExpr("transform(features, x -> -x) as features", "label") : pixels;
                caches.add(new DatasetReader(spark, settings, 784, DataScaleBench.CLASSES, 42).fromDataFrame(data, names[c] + " cache"));
                System.out.printf("%s cache: %,d examples (%,d bytes as float32) decoded and cached in %.1f s%n", names[c], n, n * 784 * 4,
                        (System.nanoTime() - t0) / 1e9);
                CachedExamples cached = caches.get(caches.size() - 1);
                int rdd = cached.persisted().id();
                for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
                    if (info.id() == rdd) {
                        System.out.printf("RESULT %s cache: cached blocks %,d bytes in the heap, %,d bytes on Spark's disk store; %s%n", names[c],
                                info.memSize(), info.diskSize(), String.join("; ", cached.persisted().map(b -> b.storage()).collect()));
                    }
                }
            }
            BatchPlan plan = new BatchPlan(n, batch, 1000, 0, 42);
            long[][][] timings = new long[modes.length][steps][];
            for (int step = 0; step < steps; step++) {
                for (int m = 0; m < modes.length; m++) {
                    long s = step;
                    List<long[]> perTask = caches.get(m).blocks().map(b -> DataScaleBench.time(b, plan, s, micro)).collect();
                    timings[m][step] = new long[] {perTask.stream().mapToLong(t -> t[0]).max().orElse(0),
                        perTask.stream().mapToLong(t -> t[1]).max().orElse(0), perTask.stream().mapToLong(t -> t[0] + t[1]).max().orElse(0)};
                }
            }
            System.out.println();
            System.out.println("| cache | first step ms | selection ms (median) | assembly ms (median) | selection + assembly ms (median, slowest task) |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (int m = 0; m < modes.length; m++) {
                long[][] t = Arrays.copyOfRange(timings[m], 1, steps);
                System.out.printf("RESULT | %s | %.1f | %.3f | %.3f | %.3f |%n", names[m], timings[m][0][2] / 1e6, DataScaleBench.median(t, 0),
                        DataScaleBench.median(t, 1), DataScaleBench.median(t, 2));
            }
            caches.forEach(CachedExamples::release);
        } finally {
            spark.stop();
        }
    }
}
