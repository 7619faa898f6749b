package dev.sparklamb.optim;

/**
 * The fused element loops, one chunk at a time over plain arrays (the caller copies chunks of the ND4J buffers in and
 * out, so the JIT can vectorise these loops). Elementwise arithmetic is float32, like the stored values; sums of
 * squares accumulate in float64. Kept apart from the bookkeeping so a plain double-precision version can be checked
 * against them.
 */
final class Kernels {

    private Kernels() {
    }

    static double sumOfSquares(float[] x, int n) {
        double s0 = 0;
        double s1 = 0;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            s0 += (double) x[i] * x[i];
            s1 += (double) x[i + 1] * x[i + 1];
        }
        if (i < n) {
            s0 += (double) x[i] * x[i];
        }
        return s0 + s1;
    }

    /** Coefficients of the Adam-family update for one tensor at one step. */
    record Moments(float gradScale, float coupledDecay, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                   float correction1, float correction2, float epsilon, float decoupledDecay) {

        /** Rounds each coefficient to float32 once; {@code 1 - beta} is formed in double first (1f - 0.999f is not 0.001). */
        static Moments of(double gradScale, double coupledDecay, double beta1, double beta2, double correction1, double correction2,
                          double epsilon, double decoupledDecay) {
            return new Moments((float) gradScale, (float) coupledDecay, (float) beta1, (float) beta2, (float) (1.0 - beta1),
                    (float) (1.0 - beta2), (float) correction1, (float) correction2, (float) epsilon, (float) decoupledDecay);
        }
    }

    /**
     * Updates {@code m}, {@code v} for elements {@code [from, from + n)} from gradient chunk {@code g} and parameter
     * chunk {@code w}, and returns {@code {|w|^2, |u|^2}} over the chunk (u as in {@link #applyUpdate}).
     */
    static void updateMoments(Moments k, float[] g, float[] w, float[] m, float[] v, int from, int n, double[] out) {
        final float gs = k.gradScale, cwd = k.coupledDecay, b1 = k.beta1, b2 = k.beta2, ob1 = k.oneMinusBeta1, ob2 = k.oneMinusBeta2;
        final float c1 = k.correction1, c2 = k.correction2, eps = k.epsilon, dwd = k.decoupledDecay;
        double sw = 0;
        double su = 0;
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float gi = g[i] * gs + cwd * wi;
            float mi = b1 * m[from + i] + ob1 * gi;
            float vi = b2 * v[from + i] + ob2 * (gi * gi);
            m[from + i] = mi;
            v[from + i] = vi;
            float ui = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + dwd * wi;
            sw += (double) wi * wi;
            su += (double) ui * ui;
        }
        out[0] = sw;
        out[1] = su;
    }

    /** {@code w -= stepSize * u} with {@code u = m^ / (sqrt(v^) + eps) + wd w} from the already updated moments. */
    static void applyUpdate(Moments k, float stepSize, float[] w, float[] m, float[] v, int from, int n) {
        final float c1 = k.correction1, c2 = k.correction2, eps = k.epsilon, dwd = k.decoupledDecay;
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float ui = (m[from + i] * c1) / ((float) Math.sqrt(v[from + i] * c2) + eps) + dwd * wi;
            w[i] = wi - stepSize * ui;
        }
    }

    /** One pass for optimizers without a trust ratio: moments and parameters updated together. */
    static void updateMomentsAndApply(Moments k, float stepSize, float[] g, float[] w, float[] m, float[] v, int from, int n) {
        final float gs = k.gradScale, cwd = k.coupledDecay, b1 = k.beta1, b2 = k.beta2, ob1 = k.oneMinusBeta1, ob2 = k.oneMinusBeta2;
        final float c1 = k.correction1, c2 = k.correction2, eps = k.epsilon, dwd = k.decoupledDecay;
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float gi = g[i] * gs + cwd * wi;
            float mi = b1 * m[from + i] + ob1 * gi;
            float vi = b2 * v[from + i] + ob2 * (gi * gi);
            m[from + i] = mi;
            v[from + i] = vi;
            float ui = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + dwd * wi;
            w[i] = wi - stepSize * ui;
        }
    }

    /** LARS: {@code m = b m + (1-b)(s g + wd w)}; returns {@code {|w|^2, |m|^2}} over the chunk. */
    static void updateMomentum(float gradScale, float beta, float oneMinusBeta, float decay, float[] g, float[] w, float[] m, int from,
                               int n, double[] out) {
        final float ob = oneMinusBeta;
        double sw = 0;
        double sm = 0;
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float mi = beta * m[from + i] + ob * (g[i] * gradScale + decay * wi);
            m[from + i] = mi;
            sw += (double) wi * wi;
            sm += (double) mi * mi;
        }
        out[0] = sw;
        out[1] = sm;
    }

    /** LARS: {@code w -= stepSize * m}. */
    static void applyMomentum(float stepSize, float[] w, float[] m, int from, int n) {
        for (int i = 0; i < n; i++) {
            w[i] -= stepSize * m[from + i];
        }
    }
}
