package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.BatchShare;
import dev.sparklamb.spark.data.ExampleBlock;
import java.util.Arrays;

/**
 * How uneven the partitions' shares of the global batch are (issue: scale, item 3): the largest share divided by the
 * mean ({@code B / P}), as the training tasks select them ({@link BatchShare#rows} over blocks of consecutive ids, as
 * the reader makes them), for several partition counts and global batches; the step waits for the largest share.
 * No Spark: the selection is a pure function of the block, the plan and the step.
 *
 * <p>Arguments: examples, global batches (e.g. {@code 8192,32768}), partition counts (e.g. {@code 2,8,64,256}), steps.
 */
public final class ShareBalanceBench {

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 4_194_304;
        int[] batches = AllReduceBench.ints(args.length > 1 ? args[1] : "8192,32768");
        int[] partitionCounts = AllReduceBench.ints(args.length > 2 ? args[2] : "2,8,64,256");
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        System.out.println("| global batch | P | mean share | largest share / mean: mean over steps | median | worst step |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        for (int batch : batches) {
            for (int p : partitionCounts) {
                ExampleBlock[] blocks = new ExampleBlock[p];
                for (int i = 0; i < p; i++) {
                    long from = i * n / p;
                    int count = Math.toIntExact((i + 1) * n / p - from);
                    long[] ids = new long[count];
                    for (int r = 0; r < count; r++) {
                        ids[r] = from + r;
                    }
                    blocks[i] = new ExampleBlock(i, 1, ids, new float[count], new int[count]);
                }
                BatchPlan plan = new BatchPlan(n, batch, 1000, 0, 42);
                double mean = (double) batch / p;
                double[] ratio = new double[steps];
                for (int s = 0; s < steps; s++) {
                    int largest = 0;
                    for (ExampleBlock b : blocks) {
                        largest = Math.max(largest, BatchShare.rows(b, plan.permutation(plan.epochOf(s)), plan.firstPosition(s), batch).length);
                    }
                    ratio[s] = largest / mean;
                }
                double[] sorted = ratio.clone();
                Arrays.sort(sorted);
                System.out.printf("RESULT | %,d | %d | %.1f | %.3f | %.3f | %.3f |%n", batch, p, mean, Arrays.stream(ratio).average().orElse(0),
                        sorted[steps / 2], sorted[steps - 1]);
            }
        }
    }
}
