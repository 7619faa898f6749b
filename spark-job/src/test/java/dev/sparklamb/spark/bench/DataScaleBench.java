package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.BatchShare;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.PartitionGradient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-step cost of choosing a partition's share of the global batch and assembling its micro-batches, against the
 * size of the data set (issue: scale, item 1): synthetic data sets (generated on Spark, 4 float features = 16 bytes
 * per example, 10 classes) of several sizes, cached as {@link ExampleBlock}s, with the same global batch and
 * micro-batch. Each step is one Spark job per data set, the data sets take turns step by step (so they see the same
 * machine load), and every task times {@link BatchShare#rows} (selection) and {@link PartitionGradient#batch}
 * (assembly of the micro-batches the replica would consume) itself. The first step of an epoch also builds each
 * block's epoch order (O(n log n) once per epoch): reported apart from the steady steps.
 *
 * <p>Arguments: data set sizes (e.g. {@code 60000,6000000,60000000}), partitions, global batch, micro-batch, steps.
 */
public final class DataScaleBench {

    static final int FEATURES = 4;
    static final int CLASSES = 10;

    public static void main(String[] args) {
        long[] sizes = Arrays.stream((args.length > 0 ? args[0] : "60000,6000000,60000000").split(",")).mapToLong(Long::parseLong).toArray();
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8192;
        int micro = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        SparkSession spark = SparkSession.builder().master("local[" + partitions + "]").appName("spark-lamb data-scale bench")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            LongAccumulator generated = jsc.sc().longAccumulator("blocks generated");
            List<JavaRDD<ExampleBlock>> data = new ArrayList<>();
            List<BatchPlan> plans = new ArrayList<>();
            for (long n : sizes) {
                long t0 = System.nanoTime();
                JavaRDD<ExampleBlock> blocks = jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                        .map(p -> {
                            generated.add(1);
                            return generate(p, partitions, n);
                        })
                        .persist(StorageLevel.MEMORY_ONLY());
                long rows = blocks.map(ExampleBlock::size).reduce(Integer::sum);
                System.out.printf("data set %,d examples: generated and cached in %.1f s (%,d rows)%n", n, (System.nanoTime() - t0) / 1e9, rows);
                data.add(blocks);
                plans.add(new BatchPlan(n, batch, 1000, 0, 42));
            }
            Runtime rt = Runtime.getRuntime();
            System.out.printf("heap used after caching: %.2f GB (max %.2f GB)%n", (rt.totalMemory() - rt.freeMemory()) / 1e9, rt.maxMemory() / 1e9);
            // per data set, per step: {slowest task's selection ns, its assembly ns, largest share, smallest share}
            long[][][] timings = new long[sizes.length][steps][];
            for (int step = 0; step < steps; step++) {
                for (int d = 0; d < sizes.length; d++) {
                    BatchPlan plan = plans.get(d);
                    long s = step;
                    List<long[]> perTask = data.get(d).map(b -> time(b, plan, s, micro)).collect();
                    long sel = perTask.stream().mapToLong(t -> t[0]).max().orElse(0);
                    long asm = perTask.stream().mapToLong(t -> t[1]).max().orElse(0);
                    long total = perTask.stream().mapToLong(t -> t[0] + t[1]).max().orElse(0);
                    timings[d][step] = new long[] {sel, asm, total, perTask.stream().mapToLong(t -> t[2]).max().orElse(0),
                            perTask.stream().mapToLong(t -> t[2]).min().orElse(0)};
                }
            }
            System.out.printf("blocks generated: %d (%d expected: more means cached blocks were evicted and rebuilt)%n", generated.value(),
                    (long) partitions * sizes.length);
            System.out.println();
            System.out.println("| examples | first step ms (epoch order + selection + assembly) | selection ms (median) | assembly ms (median) "
                    + "| selection + assembly ms (median, slowest task) | ratio to the first size | share max/min |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
            double base = 0;
            for (int d = 0; d < sizes.length; d++) {
                long[][] t = Arrays.copyOfRange(timings[d], 1, steps);
                double total = median(t, 2);
                base = d == 0 ? total : base;
                System.out.printf("RESULT | %,d | %.1f | %.3f | %.3f | %.3f | %.2f | %d/%d |%n", sizes[d], timings[d][0][2] / 1e6, median(t, 0),
                        median(t, 1), total, total / base, timings[d][1][3], timings[d][1][4]);
            }
        } finally {
            spark.stop();
        }
    }

    /** Partition {@code p}'s block: ids {@code [p n / P, (p + 1) n / P)}, random features and labels. */
    static ExampleBlock generate(int p, int partitions, long n) {
        long from = p * n / partitions;
        int count = Math.toIntExact((p + 1) * n / partitions - from);
        long[] ids = new long[count];
        float[] features = new float[Math.multiplyExact(count, FEATURES)];
        int[] labels = new int[count];
        SplittableRandom random = new SplittableRandom(1234 + p);
        for (int r = 0; r < count; r++) {
            ids[r] = from + r;
            labels[r] = random.nextInt(CLASSES);
        }
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextDouble();
        }
        return new ExampleBlock(p, FEATURES, ids, features, labels);
    }

    /** {selection ns, assembly ns, share} of step {@code step} on {@code block}, as the gradient task does them. */
    static long[] time(ExampleBlock block, BatchPlan plan, long step, int micro) {
        long t0 = System.nanoTime();
        int[] rows = BatchShare.rows(block, plan.permutation(plan.epochOf(step)), plan.firstPosition(step), plan.globalBatch());
        long t1 = System.nanoTime();
        double sink = 0;
        for (int from = 0; from < rows.length; from += micro) {
            int count = Math.min(micro, rows.length - from);
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = block.id(rows[from + i]);
            }
            INDArray[] b = PartitionGradient.batch(block, rows, from, count, CLASSES);
            sink += b[0].getFloat(0) + ids[count - 1];
        }
        long t2 = System.nanoTime();
        return new long[] {t1 - t0, t2 - t1, rows.length, (long) sink & 1};
    }

    static double median(long[][] rows, int column) {
        double[] v = Arrays.stream(rows).mapToDouble(r -> r[column] / 1e6).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
