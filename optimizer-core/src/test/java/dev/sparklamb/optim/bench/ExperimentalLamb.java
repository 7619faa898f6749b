package dev.sparklamb.optim.bench;

import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;
import java.util.List;
import java.util.regex.Pattern;

/**
 * EXPERIMENT, not production code: the optimizer's LAMB step (same passes, same bytes, same chunking and executor)
 * with element loops that HotSpot C2 (JDK 17) auto-vectorises. The production kernels index the moments at
 * {@code m[from + i]} but the chunk copies at {@code w[i]}; C2's SuperWord gives up on that mix of offsets and runs
 * every loop scalar (one sqrt and one divide per element per pass). Here the moment chunks are copied into per-thread
 * scratch arrays too ({@code System.arraycopy}, cache-resident), every loop indexes all arrays with {@code i}, and the
 * sums of squares are taken in a separate loop with four double accumulators (the fused double reduction also blocks
 * vectorisation). Float results are identical to the production kernels; only the summation order of the norms
 * differs (rounding-level differences in |w| and |u|).
 *
 * <p>Only the configuration the benchmark uses: constant learning rate, gradient scale 1, bias correction, no clamp,
 * no clipping.
 */
final class ExperimentalLamb {

    private final LambConfig config;
    private final TensorLayout layout;
    private final ChunkPlan plan;
    private final ChunkExecutor executor = ChunkExecutor.shared();
    private final float[][] m;
    private final float[][] v;
    private final boolean[] decays;
    private final boolean[] adapts;
    private final ThreadLocal<float[][]> extra = ThreadLocal.withInitial(() -> new float[3][ChunkPlan.CHUNK]);
    private long step;

    ExperimentalLamb(LambConfig config, TensorLayout layout) {
        if (config.trustRatioClamp().isPresent() || config.maxGradientNorm().isPresent() || !config.biasCorrection()) {
            throw new IllegalArgumentException("only the plain LAMB configuration is implemented here");
        }
        this.config = config;
        this.layout = layout;
        this.plan = new ChunkPlan(layout);
        int n = layout.size();
        m = new float[n][];
        v = new float[n][];
        decays = new boolean[n];
        adapts = new boolean[n];
        List<Pattern> wd = config.excludeFromWeightDecay().stream().map(Pattern::compile).toList();
        List<Pattern> la = config.effectiveLayerAdaptationExclusions().stream().map(Pattern::compile).toList();
        for (int i = 0; i < n; i++) {
            String name = layout.name(i);
            decays[i] = wd.stream().noneMatch(p -> p.matcher(name).find());
            adapts[i] = la.stream().noneMatch(p -> p.matcher(name).find());
            m[i] = new float[layout.length(i)];
            v[i] = new float[layout.length(i)];
        }
    }

    float[] firstMoment(int i) {
        return m[i];
    }

    float[] secondMoment(int i) {
        return v[i];
    }

    /** One step in place; returns the global gradient norm. */
    double step(NamedTensors params, NamedTensors grads) {
        int size = layout.size();
        DenseTensor[] w = new DenseTensor[size];
        DenseTensor[] g = new DenseTensor[size];
        for (int i = 0; i < size; i++) {
            w[i] = DenseTensor.of(params.get(i), layout.name(i), "parameter");
            g[i] = DenseTensor.of(grads.get(i), layout.name(i), "gradient");
        }
        // Pass 0: finite check and global norm (reads g).
        double[] perTensor = plan.sumPerTensor(executor.run(plan, 1, (c, s, out) -> {
            int n = plan.count(c);
            g[plan.tensorOf(c)].read(plan.from(c), s.a, n);
            out[0] = sumOfSquares(s.a, n);
        }), 0);
        double sum = 0;
        for (int i = 0; i < size; i++) {
            if (!Double.isFinite(perTensor[i])) {
                throw new IllegalArgumentException("non-finite gradient in " + layout.name(i));
            }
            sum += perTensor[i];
        }
        long t = ++step;
        final float b1 = (float) config.beta1();
        final float b2 = (float) config.beta2();
        final float ob1 = (float) (1.0 - config.beta1());
        final float ob2 = (float) (1.0 - config.beta2());
        final float c1 = (float) (1.0 / (1.0 - Math.pow(config.beta1(), t)));
        final float c2 = (float) (1.0 / (1.0 - Math.pow(config.beta2(), t)));
        final float eps = (float) config.epsilon();
        float[] wd = new float[size];
        for (int i = 0; i < size; i++) {
            wd[i] = decays[i] ? (float) config.weightDecay() : 0f;
        }
        // Pass 1: moments, |w|^2, |u|^2 (reads g, w, m, v; writes m, v).
        double[][] partial = executor.run(plan, 2, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            float[][] x = extra.get();
            g[i].read(from, s.a, n);
            w[i].read(from, s.b, n);
            System.arraycopy(m[i], from, x[0], 0, n);
            System.arraycopy(v[i], from, x[1], 0, n);
            moments(b1, b2, ob1, ob2, c1, c2, eps, wd[i], s.a, s.b, x[0], x[1], x[2], n);
            System.arraycopy(x[0], 0, m[i], from, n);
            System.arraycopy(x[1], 0, v[i], from, n);
            out[0] = sumOfSquares(s.b, n);
            out[1] = sumOfSquares(x[2], n);
        });
        double[] sw = plan.sumPerTensor(partial, 0);
        double[] su = plan.sumPerTensor(partial, 1);
        double lr = config.learningRate().rate(t - 1);
        float[] stepSize = new float[size];
        for (int i = 0; i < size; i++) {
            double wn = Math.sqrt(sw[i]);
            double un = Math.sqrt(su[i]);
            double ratio = adapts[i] && wn > 0 && un > 0 ? wn / un : 1.0;
            stepSize[i] = (float) (lr * ratio);
        }
        // Pass 2: w -= lr r u (reads w, m, v; writes w).
        executor.run(plan, 0, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            float[][] x = extra.get();
            w[i].read(from, s.b, n);
            System.arraycopy(m[i], from, x[0], 0, n);
            System.arraycopy(v[i], from, x[1], 0, n);
            apply(c1, c2, eps, wd[i], stepSize[i], s.b, x[0], x[1], n);
            w[i].write(from, s.b, n);
        });
        return Math.sqrt(sum);
    }

    static void moments(float b1, float b2, float ob1, float ob2, float c1, float c2, float eps, float dwd,
                        float[] g, float[] w, float[] m, float[] v, float[] u, int n) {
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float gi = g[i];
            float mi = b1 * m[i] + ob1 * gi;
            float vi = b2 * v[i] + ob2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            u[i] = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + dwd * wi;
        }
    }

    static void apply(float c1, float c2, float eps, float dwd, float stepSize, float[] w, float[] m, float[] v, int n) {
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            float ui = (m[i] * c1) / ((float) Math.sqrt(v[i] * c2) + eps) + dwd * wi;
            w[i] = wi - stepSize * ui;
        }
    }

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
}
