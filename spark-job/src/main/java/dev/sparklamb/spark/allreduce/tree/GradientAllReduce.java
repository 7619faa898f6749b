package dev.sparklamb.spark.allreduce.tree;

import dev.sparklamb.spark.gradient.GradientPart;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Sums per-partition gradients with a fixed tree shape: leaves are partitions, each node sums up to {@code fanIn}
 * children in index order, on executors through a shuffle, until at most {@code fanIn} parts are left for the
 * driver. The order of additions depends only on the number of partitions and the fan-in, never on which task
 * finishes first, so the result is bitwise reproducible (Spark's own {@code treeAggregate} merges in completion
 * order).
 */
public final class GradientAllReduce {

    private final int fanIn;

    public GradientAllReduce(int fanIn) {
        if (fanIn < 2) {
            throw new IllegalArgumentException("all-reduce fan-in must be >= 2, got " + fanIn);
        }
        this.fanIn = fanIn;
    }

    /** The sum of all parts (one per partition of {@code parts}, indexed by partition). */
    public GradientPart sum(JavaRDD<GradientPart> parts) {
        int count = parts.getNumPartitions();
        JavaPairRDD<Integer, GradientPart> level = parts.mapToPair(p -> new Tuple2<>(p.index(), p));
        int f = fanIn;
        while (count > fanIn) {
            int groups = (count + fanIn - 1) / fanIn;
            level = level
                    .mapToPair(t -> new Tuple2<>(t._1() / f, t._2()))
                    .groupByKey(new HashPartitioner(groups))
                    .mapToPair(g -> {
                        List<GradientPart> children = new ArrayList<>();
                        g._2().forEach(children::add);
                        return new Tuple2<>(g._1(), GradientPart.sumInOrder(g._1(), children));
                    });
            count = groups;
        }
        List<GradientPart> top = level.values().collect();
        return GradientPart.sumInOrder(0, top);
    }
}
