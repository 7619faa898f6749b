package dev.sparklamb.optim;

/**
 * The fused element loops, one chunk at a time over plain arrays indexed from 0: the caller copies chunks of the ND4J
 * buffers and of the moments into per-thread scratch arrays (cache-resident) and back, so C2 vectorises every loop
 * (a loop mixing offsets, or with a fused float64 reduction, runs scalar and was 2x slower). Elementwise arithmetic is float32, like the stored values; sums of
 * squares accumulate in float64. Kept apart from the bookkeeping so a plain double-precision version can be checked
 * against them.
 */
final class Kernels {

    private Kernels() {
    }

    /** Sum of squares in float64, with four accumulators (a fixed order, independent of threads). */
    static double sumOfSquares(float[] x, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += (double) x[i] * x[i];
            s1 += (double) x[i + 1] * x[i + 1];
            s2 += (double) x[i + 2] * x[i + 2];
            s3 += (double) x[i + 3] * x[i + 3];
        }
        for (; i < n; i++) {
            s0 += (double) x[i] * x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Updates the moment chunks {@code m}, {@code v} in place from gradient chunk {@code g} and parameter chunk
     * {@code w}, and writes {@code u = m^ / (sqrt(v^) + eps) + wd w} into {@code u}. Every array is indexed from 0 (a
     * chunk copy), so C2 vectorises the loop; the norms are taken afterwards with {@link #sumOfSquares}.
     */
    static void updateMoments(MomentCoefficients k, float[] g, float[] w, float[] m, float[] v, float[] u, int n) {
        final float gs = k.gradScale(), cwd = k.coupledDecay(), b1 = k.beta1(), b2 = k.beta2(), ob1 = k.oneMinusBeta1(), ob2 = k.oneMinusBeta2();
        final float c1 = k.correction1(), c2 = k.correction2(), eps = k.epsilon(), dwd = k.decoupledDecay();
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float gi = g[i] * gs + cwd * wi;
            float mi = b1 * m[i] + ob1 * gi;
            float vi = b2 * v[i] + ob2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            u[i] = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + dwd * wi;
        }
    }

    /** {@code w -= stepSize * u}, recomputing {@code u} from the already updated moment chunks. */
    static void applyUpdate(MomentCoefficients k, float stepSize, float[] w, float[] m, float[] v, int n) {
        final float c1 = k.correction1(), c2 = k.correction2(), eps = k.epsilon(), dwd = k.decoupledDecay();
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float ui = (m[i] * c1) / ((float) Math.sqrt(v[i] * c2) + eps) + dwd * wi;
            w[i] = wi - stepSize * ui;
        }
    }

    /** One pass for optimizers without a trust ratio: moments and parameters updated together. */
    static void updateMomentsAndApply(MomentCoefficients k, float stepSize, float[] g, float[] w, float[] m, float[] v, int n) {
        final float gs = k.gradScale(), cwd = k.coupledDecay(), b1 = k.beta1(), b2 = k.beta2(), ob1 = k.oneMinusBeta1(), ob2 = k.oneMinusBeta2();
        final float c1 = k.correction1(), c2 = k.correction2(), eps = k.epsilon(), dwd = k.decoupledDecay();
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float gi = g[i] * gs + cwd * wi;
            float mi = b1 * m[i] + ob1 * gi;
            float vi = b2 * v[i] + ob2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            float ui = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + dwd * wi;
            w[i] = wi - stepSize * ui;
        }
    }

    /** LARS: {@code m = b m + (1-b)(s g + wd w)} on chunk copies. */
    static void updateMomentum(float gradScale, float beta, float oneMinusBeta, float decay, float[] g, float[] w, float[] m, int n) {
        for (int i = 0; i < n; i++) {
            m[i] = beta * m[i] + oneMinusBeta * (g[i] * gradScale + decay * w[i]);
        }
    }

    /** LARS: {@code w -= stepSize * m}. */
    static void applyMomentum(float stepSize, float[] w, float[] m, int n) {
        for (int i = 0; i < n; i++) {
            w[i] -= stepSize * m[i];
        }
    }
}
