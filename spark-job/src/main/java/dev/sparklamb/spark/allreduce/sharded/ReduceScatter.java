package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.GradientReport;
import dev.sparklamb.optim.ShardPlan;
import dev.sparklamb.optim.ShardUpdate;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.optim.UnclippedCoefficients;
import dev.sparklamb.spark.allreduce.TreeOrder;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.StepTasks;
import dev.sparklamb.spark.model.ParameterRoles;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Phases 2 and 3 of a sharded step: each partition assembles the gathered parameters, sums its share's gradient and
 * sends slice {@code s} of it to the owner of shard {@code s} (one shuffle: the reduce-scatter); each owner then sums
 * its shard over all partitions in the fixed tree order ({@link TreeOrder}).
 */
final class ReduceScatter {

    private ReduceScatter() {
    }

    /**
     * Every partition's gradient of step {@code step}, cut into shard slices keyed by shard.
     *
     * @param fixed the full parameter vector as the driver keeps it (the optimized tensors' places are stale)
     */
    static JavaPairRDD<Integer, GradientPart> gradientSlices(JavaRDD<ExampleBlock> blocks, JavaPairRDD<Integer, ParameterSlice> gathered,
                                                             ShardPlan sp, StepTasks tasks, ParameterRoles roles,
                                                             Broadcast<float[]> fixed, BatchPlan plan, long step) {
        int shards = sp.shards();
        long total = sp.layout().totalLength();
        return blocks
                .zipPartitions(gathered, (Iterator<ExampleBlock> it, Iterator<Tuple2<Integer, ParameterSlice>> in) -> {
                    int index = TaskContext.getPartitionId();
                    float[] optimizedValues = new float[Math.toIntExact(total)];
                    int received = 0;
                    while (in.hasNext()) {
                        ParameterSlice ps = in.next()._2();
                        System.arraycopy(ps.values, 0, optimizedValues, Math.toIntExact(sp.flatFrom(ps.shard)), ps.values.length);
                        received++;
                    }
                    float[] parameters = fixed.value().clone();
                    roles.scatterOptimized(optimizedValues, parameters);
                    if (received != shards) {
                        throw new IllegalStateException("partition " + index + " received " + received + " parameter slices, expected " + shards);
                    }
                    GradientPart g = tasks.gradient(index, StepTasks.firstOrEmpty(index, it), parameters, plan, step);
                    List<Tuple2<Integer, GradientPart>> out = new ArrayList<>(shards);
                    for (int s = 0; s < shards; s++) {
                        // The running statistics (small) travel with shard 0 only.
                        out.add(new Tuple2<>(s, g.with(index, sp.slice(g.gradient(), s), s == 0 ? g.statistics() : new float[0])));
                    }
                    return out.iterator();
                })
                .mapToPair(t -> t)
                .partitionBy(new HashPartitioner(shards));
    }

    /**
     * Each owner's shard with its gradient summed over all {@code partitions} in the tree order of {@code fanIn}, plus
     * the L1/L2 terms of the network (scaled by the step's loss count, which the sum over all partitions gives), and its
     * per-chunk sums of squares for the driver; with {@code unclipped} (LAMB, LARS) also the first pass of the update with
     * the unclipped coefficients for the step's gradient scale, 1 / that loss count (the global batch, or the masked
     * tokens of token data: every owner sums the same counts, so every owner and the driver get the same scale), whose
     * norms the driver uses unless the step is clipped (so a step is one Spark job).
     */
    static JavaRDD<ReducedShard> ownerSums(JavaRDD<Shard> current, JavaPairRDD<Integer, GradientPart> slices, int partitions, int fanIn,
                                           ShardPlan sp, ParameterRoles roles, UnclippedCoefficients unclipped) {
        return current.zipPartitions(slices, (Iterator<Shard> own, Iterator<Tuple2<Integer, GradientPart>> in) -> {
            Shard sh = own.next();
            List<GradientPart> parts = new ArrayList<>(partitions);
            in.forEachRemaining(t -> parts.add(t._2()));
            if (parts.size() != partitions) {
                throw new IllegalStateException("shard " + sh.shard + " received " + parts.size() + " gradient slices, expected " + partitions);
            }
            parts.sort(Comparator.comparingInt(GradientPart::index));
            GradientPart sum = TreeOrder.sum(parts, fanIn);
            if (roles.hasRegularization()) {
                float[] regularized = sum.gradient().clone();
                roles.addRegularization(sp.flatFrom(sh.shard), regularized, sh.w, sum.lossDivisor());
                sum = sum.with(sum.index(), regularized, sum.statistics());
            }
            GradientReport report = ShardedStep.gradientReport(sp, sh.shard, sum.gradient());
            // Also run on a non-finite gradient (its norms are then discarded with the step).
            ShardUpdate firstPass = unclipped == null ? null
                    : ShardedStep.update(unclipped.forScale(1.0 / sum.lossDivisor()), sp, sh.shard, sum.gradient(), sh.w, sh.m, sh.v);
            return List.of(new ReducedShard(sh, sum, report, firstPass)).iterator();
        });
    }

    /** What the driver needs of the owners' sums: loss, examples, timings, statistics and sums of squares (one job). */
    static List<ReduceReport> reports(JavaRDD<ReducedShard> reduced) {
        return reduced
                .map(r -> new ReduceReport(r.sum.with(0, new float[0], r.sum.statistics()), r.report,
                        r.firstPass == null ? null : r.firstPass.norms()))
                .collect();
    }
}
