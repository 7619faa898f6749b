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
import org.apache.spark.sql.SparkSession;

/**
 * Per-step batch selection and micro-batch assembly with {@code spark-lamb.data.cache = memory} and {@code disk}
 * (issue: scale, item 2), timed inside the tasks as {@link DataScaleBench} does: MNIST-sized examples (784 features,
 * values b / 255, so the disk cache stores one byte per value) generated on Spark ({@link TestSpark#pixels}), cached
 * both ways by {@link DatasetReader}, the two caches taking turns step by step. Also the time to build each cache.
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
            DataCache[] modes = DataCache.values();
            List<CachedExamples> caches = new ArrayList<>();
            for (DataCache mode : modes) {
                long t0 = System.nanoTime();
                DataSettings settings = new DataSettings("", "", DataFormat.PARQUET, "features", "label", partitions, TokenSettings.DEFAULT, mode);
                caches.add(new DatasetReader(spark, settings, 784, DataScaleBench.CLASSES, 42).fromDataFrame(TestSpark.pixels(spark, n),
                        mode + " cache"));
                System.out.printf("%s cache: %,d examples (%,d bytes as float32) decoded and cached in %.1f s%n", mode, n, n * 784 * 4,
                        (System.nanoTime() - t0) / 1e9);
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
                System.out.printf("RESULT | %s | %.1f | %.3f | %.3f | %.3f |%n", modes[m], timings[m][0][2] / 1e6, DataScaleBench.median(t, 0),
                        DataScaleBench.median(t, 1), DataScaleBench.median(t, 2));
            }
            caches.forEach(CachedExamples::release);
        } finally {
            spark.stop();
        }
    }
}
