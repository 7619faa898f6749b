package dev.sparklamb.optim;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** The coordinator's side of the reports: gathers every shard's per-chunk sums into one array in chunk order. */
final class ShardReports {

    private ShardReports() {
    }

    /**
     * Per-chunk values of all shards, placed by chunk number; fails naming the shard when a report is out of range,
     * duplicated, missing or has the wrong number of sums.
     *
     * @param what the report's kind, for messages ("gradient", "norm")
     */
    static <R> double[] perChunk(ShardPlan plan, List<R> reports, ToIntFunction<R> shardOf, Function<R, double[]> sums, String what) {
        double[] perChunk = new double[plan.chunkCount()];
        boolean[] seen = new boolean[plan.shards()];
        for (R r : reports) {
            int s = shardOf.applyAsInt(r);
            if (s < 0 || s >= plan.shards()) {
                throw new IllegalArgumentException(what + " report for shard " + s + " is out of range (the plan has " + plan.shards()
                        + " shards)");
            }
            if (seen[s]) {
                throw new IllegalArgumentException(what + " report for shard " + s + " is duplicated");
            }
            seen[s] = true;
            double[] v = sums.apply(r);
            if (v.length != plan.endChunk(s) - plan.firstChunk(s)) {
                throw new IllegalArgumentException(what + " report for shard " + s + " has " + v.length + " chunk sums, expected "
                        + (plan.endChunk(s) - plan.firstChunk(s)));
            }
            System.arraycopy(v, 0, perChunk, plan.firstChunk(s), v.length);
        }
        for (int s = 0; s < seen.length; s++) {
            if (!seen[s]) {
                throw new IllegalArgumentException(what + " report for shard " + s + " is missing");
            }
        }
        return perChunk;
    }

    /** The exception for tensor {@code tensor}, whose sum of squares is not finite, naming its first bad element. */
    static InvalidGradientException nonFinite(ShardPlan plan, List<GradientReport> reports, int tensor) {
        String name = plan.layout().name(tensor);
        GradientReport first = null;
        for (GradientReport r : reports) {
            if (r.badChunk() >= 0 && plan.tensorOf(r.badChunk()) == tensor && (first == null || r.badChunk() < first.badChunk())) {
                first = r;
            }
        }
        // No non-finite element: the sum of squares overflowed. Reported like the single-process step does.
        return first == null ? new InvalidGradientException(name, -1, Float.POSITIVE_INFINITY)
                : new InvalidGradientException(name, first.badElement(), first.badValue());
    }
}
