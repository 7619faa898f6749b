package dev.sparklamb.spark.allreduce;

import dev.sparklamb.spark.gradient.GradientPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summation order of {@code tree.GradientAllReduce}, evaluated in one place: leaves are partitions; each level sums
 * groups of {@code fanIn} consecutive indices (in index order) until at most {@code fanIn} parts remain, which are
 * summed in index order. The sharded all-reduce sums each shard this way, so both give bitwise the same gradient.
 */
public final class TreeOrder {

    private TreeOrder() {
    }

    /** The sum of {@code parts} (indexed by partition, any order) in the tree order of {@code fanIn}. */
    public static GradientPart sum(List<GradientPart> parts, int fanIn) {
        List<GradientPart> level = parts;
        while (level.size() > fanIn) {
            Map<Integer, List<GradientPart>> groups = new TreeMap<>();
            for (GradientPart p : level) {
                groups.computeIfAbsent(p.index() / fanIn, k -> new ArrayList<>()).add(p);
            }
            List<GradientPart> next = new ArrayList<>();
            groups.forEach((g, children) -> next.add(GradientPart.sumInOrder(g, children)));
            level = next;
        }
        return GradientPart.sumInOrder(0, level);
    }
}
