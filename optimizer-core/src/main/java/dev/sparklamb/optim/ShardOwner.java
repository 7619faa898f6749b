package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor.Scratch;

/**
 * The shard owner's side of a {@link ShardedStep}: the same passes as {@link LocalOptimizer}, over the chunks of one
 * {@link ShardPlan} shard held as plain slices. Static and given only serializable values, so it runs in Spark tasks;
 * it never writes its inputs (new arrays are returned, so a re-run task sees the same inputs).
 */
final class ShardOwner {

    private ShardOwner() {
    }

    /** Per-chunk sums of squares of shard {@code s}'s gradient slice, and where its first non-finite element is. */
    static GradientReport gradientReport(ShardPlan plan, int s, float[] g) {
        requireLength(plan, s, g, "gradient");
        int first = plan.firstChunk(s);
        double[] sums = new double[plan.endChunk(s) - first];
        float[] a = new Scratch().a;
        int badChunk = -1;
        int badElement = -1;
        float badValue = 0;
        for (int c = first; c < plan.endChunk(s); c++) {
            int n = plan.chunkLength(c);
            System.arraycopy(g, plan.offsetInShard(s, c), a, 0, n);
            sums[c - first] = Kernels.sumOfSquares(a, n);
            if (badChunk < 0 && !Double.isFinite(sums[c - first])) {
                for (int i = 0; i < n; i++) {
                    if (!Float.isFinite(a[i])) {
                        badChunk = c;
                        badElement = plan.fromInTensor(c) + i;
                        badValue = a[i];
                        break;
                    }
                }
            }
        }
        return new GradientReport(s, sums, badChunk, badElement, badValue);
    }

    /**
     * The first pass on shard {@code s} (moments, plus per-chunk sums of squares of {@code w} and {@code u}), or the
     * whole update for one-pass rules. {@code v} is null for rules without a second moment.
     */
    static ShardUpdate update(Coefficients k, ShardPlan plan, int s, float[] g, float[] w, float[] m, float[] v) {
        requireLength(plan, s, g, "gradient");
        requireLength(plan, s, w, "parameters");
        requireLength(plan, s, m, "first moment");
        if (k.secondMoment) {
            requireLength(plan, s, v, "second moment");
        }
        int first = plan.firstChunk(s);
        int chunks = plan.endChunk(s) - first;
        StepSizes uniform = k.twoPass ? null : StepSizes.uniform(k, plan.layout());
        float[] newW = k.twoPass ? w : new float[w.length];
        float[] newM = new float[m.length];
        float[] newV = k.secondMoment ? new float[v.length] : null;
        double[] wSums = k.twoPass ? new double[chunks] : null;
        double[] uSums = k.twoPass ? new double[chunks] : null;
        Scratch sc = new Scratch();
        for (int c = first; c < plan.endChunk(s); c++) {
            int i = plan.tensorOf(c);
            int n = plan.chunkLength(c);
            int off = plan.offsetInShard(s, c);
            System.arraycopy(g, off, sc.a, 0, n);
            System.arraycopy(w, off, sc.b, 0, n);
            System.arraycopy(m, off, sc.c, 0, n);
            if (k.secondMoment) {
                System.arraycopy(v, off, sc.d, 0, n);
            }
            if (k.twoPass) {
                float[] u = k.tensor(i).updateMoments(sc, n);
                wSums[c - first] = Kernels.sumOfSquares(sc.b, n);
                uSums[c - first] = Kernels.sumOfSquares(u, n);
            } else {
                k.tensor(i).updateAndApply(uniform.size(i), sc, n);
                System.arraycopy(sc.b, 0, newW, off, n);
            }
            System.arraycopy(sc.c, 0, newM, off, n);
            if (k.secondMoment) {
                System.arraycopy(sc.d, 0, newV, off, n);
            }
        }
        return new ShardUpdate(s, newW, newM, newV, wSums, uSums);
    }

    /** The second pass on shard {@code s}: returns the new parameters ({@code w} is not written). */
    static float[] apply(Coefficients k, StepSizes sizes, ShardPlan plan, int s, float[] w, float[] m, float[] v) {
        if (!k.twoPass) {
            throw new IllegalStateException("a one-pass step is applied by update()");
        }
        requireLength(plan, s, w, "parameters");
        float[] out = new float[w.length];
        Scratch sc = new Scratch();
        for (int c = plan.firstChunk(s); c < plan.endChunk(s); c++) {
            int i = plan.tensorOf(c);
            int n = plan.chunkLength(c);
            int off = plan.offsetInShard(s, c);
            System.arraycopy(w, off, sc.b, 0, n);
            System.arraycopy(m, off, sc.c, 0, n);
            if (k.secondMoment) {
                System.arraycopy(v, off, sc.d, 0, n);
            }
            k.tensor(i).applyUpdate(sizes.size(i), sc, n);
            System.arraycopy(sc.b, 0, out, off, n);
        }
        return out;
    }

    private static void requireLength(ShardPlan plan, int s, float[] a, String what) {
        if (a == null || a.length != plan.length(s)) {
            throw new IllegalArgumentException(what + " slice of shard " + s + " has " + (a == null ? "no array" : a.length + " values")
                    + ", expected " + plan.length(s));
        }
    }
}
