package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Plain double-precision LAMB, LARS, AdamW and Adam, written from the formulas (the LAMB paper, Algorithm 2,
 * the TF Addons LAMB, and the Javadoc of each config record), not from the main code: one loop per formula, no
 * chunks, no float32. It reads only the hyperparameters of the config records; masks, per-tensor weight-decay
 * coefficients (including {@link OptimizerConfig#weightDecayOverrides() overrides}), bias correction, trust ratio,
 * clamp, clipping and scaling are all computed here.
 *
 * <p>Tensors are plain {@code double[]} arrays in any fixed element order (the tests use the memory order of the
 * parameter arrays, the order the optimizer state uses): every formula is elementwise or a norm, so the order does not
 * matter.
 */
final class ReferenceOptimizer {

    enum Kind { LAMB, LARS, ADAMW, ADAM }

    /**
     * What one reference step did.
     *
     * @param ratioConditions per tensor, how much cancellation the trust ratio's update norm suffered:
     *                        {@code |u_abs| / |u|}, where {@code u_abs} is {@code u} computed from absolute values of
     *                        every term (see {@link #mAbs}); 1 when there is no ratio. A float32 computation of the ratio
     *                        is expected within a few ulp times this factor.
     */
    record Step(long t, double learningRate, double gradientNorm, double clipScale, double[] trustRatios, double[] ratioConditions) {
    }

    private final Kind kind;
    private final LearningRateSchedule schedule;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final double trustCoefficient;
    private final boolean biasCorrection;
    /** Per tensor: the weight-decay coefficient (override, else the config's coefficient unless excluded, else 0). */
    private final double[] decay;
    private final boolean[] adapts;
    private final double clampMin;
    private final double clampMax;
    private final boolean clamped;
    private final double maxGradientNorm;
    private final boolean clipped;

    /** Parameters and moments, per tensor; public to the tests so they can compare. */
    final double[][] w;
    final double[][] m;
    final double[][] v;
    /**
     * The first moment (momentum for LARS) recomputed from the absolute values of its terms: the scale of the float32
     * rounding errors of {@link #m}, which can be far larger than {@code |m|} when the average cancels.
     */
    final double[][] mAbs;
    private long completedSteps;

    private ReferenceOptimizer(Kind kind, LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                               double weightDecay, double trustCoefficient, boolean biasCorrection, String[] names,
                               List<String> weightDecayExclusions, List<String> adaptationExclusions, boolean adaptive,
                               double clampMin, double clampMax, boolean clamped, double maxGradientNorm, boolean clipped,
                               Map<String, Double> overrides, float[][] initial) {
        this.kind = kind;
        this.schedule = schedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.trustCoefficient = trustCoefficient;
        this.biasCorrection = biasCorrection;
        this.clampMin = clampMin;
        this.clampMax = clampMax;
        this.clamped = clamped;
        this.maxGradientNorm = maxGradientNorm;
        this.clipped = clipped;
        int n = names.length;
        decay = new double[n];
        adapts = new boolean[n];
        w = new double[n][];
        m = new double[n][];
        v = new double[n][];
        mAbs = new double[n][];
        for (int i = 0; i < n; i++) {
            Double override = overrides.get(names[i]);
            decay[i] = override != null ? override : anyFound(weightDecayExclusions, names[i]) ? 0.0 : weightDecay;
            adapts[i] = adaptive && !anyFound(adaptationExclusions, names[i]);
            w[i] = new double[initial[i].length];
            for (int j = 0; j < w[i].length; j++) {
                w[i][j] = initial[i][j];
            }
            m[i] = new double[w[i].length];
            v[i] = new double[w[i].length];
            mAbs[i] = new double[w[i].length];
        }
    }

    /** A reference for {@code config}, starting from the float32 values {@code initial} of tensors {@code names}. */
    static ReferenceOptimizer of(OptimizerConfig config, String[] names, float[][] initial) {
        if (config instanceof LambConfig c) {
            // TF Addons: exclude_from_layer_adaptation defaults to exclude_from_weight_decay when not given.
            List<String> adaptation = c.excludeFromLayerAdaptation().isPresent()
                    ? c.excludeFromLayerAdaptation().get() : c.excludeFromWeightDecay();
            return new ReferenceOptimizer(Kind.LAMB, c.learningRate(), c.beta1(), c.beta2(), c.epsilon(), c.weightDecay(), 1.0,
                    c.biasCorrection(), names, c.excludeFromWeightDecay(), adaptation, true,
                    c.trustRatioClamp().map(TrustRatioClamp::min).orElse(0.0), c.trustRatioClamp().map(TrustRatioClamp::max).orElse(0.0),
                    c.trustRatioClamp().isPresent(), c.maxGradientNorm().orElse(0), c.maxGradientNorm().isPresent(), c.weightDecayOverrides(), initial);
        }
        if (config instanceof LarsConfig c) {
            List<String> adaptation = c.excludeFromLayerAdaptation().isPresent()
                    ? c.excludeFromLayerAdaptation().get() : c.excludeFromWeightDecay();
            return new ReferenceOptimizer(Kind.LARS, c.learningRate(), c.momentum(), 0, 0, c.weightDecay(), c.trustCoefficient(),
                    false, names, c.excludeFromWeightDecay(), adaptation, true,
                    c.trustRatioClamp().map(TrustRatioClamp::min).orElse(0.0), c.trustRatioClamp().map(TrustRatioClamp::max).orElse(0.0),
                    c.trustRatioClamp().isPresent(), c.maxGradientNorm().orElse(0), c.maxGradientNorm().isPresent(), c.weightDecayOverrides(), initial);
        }
        if (config instanceof AdamWConfig c) {
            return new ReferenceOptimizer(Kind.ADAMW, c.learningRate(), c.beta1(), c.beta2(), c.epsilon(), c.weightDecay(), 1.0,
                    true, names, c.excludeFromWeightDecay(), List.of(), false, 0, 0, false,
                    c.maxGradientNorm().orElse(0), c.maxGradientNorm().isPresent(), c.weightDecayOverrides(), initial);
        }
        if (config instanceof AdamConfig c) {
            return new ReferenceOptimizer(Kind.ADAM, c.learningRate(), c.beta1(), c.beta2(), c.epsilon(), c.weightDecay(), 1.0,
                    true, names, c.excludeFromWeightDecay(), List.of(), false, 0, 0, false,
                    c.maxGradientNorm().orElse(0), c.maxGradientNorm().isPresent(), c.weightDecayOverrides(), initial);
        }
        throw new IllegalArgumentException("no reference for " + config);
    }

    private static boolean anyFound(List<String> regexes, String name) {
        for (String r : regexes) {
            if (Pattern.compile(r).matcher(name).find()) {
                return true;
            }
        }
        return false;
    }

    long completedSteps() {
        return completedSteps;
    }

    /**
     * One step with float32 gradients {@code grads} (same element order as the parameters). The gradient is first
     * multiplied by {@code gradientScale}, then clipped to the global norm, then used.
     */
    Step step(float[][] grads, double gradientScale) {
        int n = w.length;
        double[][] g = new double[n][];
        double squares = 0;
        for (int i = 0; i < n; i++) {
            g[i] = new double[grads[i].length];
            for (int j = 0; j < g[i].length; j++) {
                g[i][j] = gradientScale * grads[i][j];
                squares += g[i][j] * g[i][j];
            }
        }
        double gradientNorm = Math.sqrt(squares);
        double clipScale = clipped && gradientNorm > maxGradientNorm ? maxGradientNorm / gradientNorm : 1.0;
        for (double[] gi : g) {
            for (int j = 0; j < gi.length; j++) {
                gi[j] *= clipScale;
            }
        }
        long t = completedSteps + 1;
        double lr = schedule.rate(completedSteps);
        double[] ratios = new double[n];
        double[] conditions = new double[n];
        for (int i = 0; i < n; i++) {
            double decay = this.decay[i];
            conditions[i] = 1.0;
            ratios[i] = switch (kind) {
                case LAMB -> lambTensor(i, g[i], decay, t, lr, conditions);
                case LARS -> larsTensor(i, g[i], decay, lr, conditions);
                case ADAMW -> adamWTensor(i, g[i], decay, t, lr);
                case ADAM -> adamTensor(i, g[i], decay, t, lr);
            };
        }
        completedSteps = t;
        return new Step(t, lr, gradientNorm, clipScale, ratios, conditions);
    }

    private double lambTensor(int i, double[] g, double decay, long t, double lr, double[] conditions) {
        double[] wi = w[i];
        double c1 = biasCorrection ? 1 - Math.pow(beta1, t) : 1.0;
        double c2 = biasCorrection ? 1 - Math.pow(beta2, t) : 1.0;
        double[] u = new double[wi.length];
        double[] uAbs = new double[wi.length];
        for (int j = 0; j < wi.length; j++) {
            m[i][j] = beta1 * m[i][j] + (1 - beta1) * g[j];
            mAbs[i][j] = beta1 * mAbs[i][j] + (1 - beta1) * Math.abs(g[j]);
            v[i][j] = beta2 * v[i][j] + (1 - beta2) * g[j] * g[j];
            double mHat = m[i][j] / c1;
            double vHat = v[i][j] / c2;
            u[j] = mHat / (Math.sqrt(vHat) + epsilon) + decay * wi[j];
            uAbs[j] = (mAbs[i][j] / c1) / (Math.sqrt(vHat) + epsilon) + Math.abs(decay * wi[j]);
        }
        double ratio = adapts[i] ? trustRatio(norm(wi), norm(u)) : 1.0;
        conditions[i] = condition(uAbs, u);
        for (int j = 0; j < wi.length; j++) {
            wi[j] -= lr * ratio * u[j];
        }
        return ratio;
    }

    private double larsTensor(int i, double[] g, double decay, double lr, double[] conditions) {
        double[] wi = w[i];
        for (int j = 0; j < wi.length; j++) {
            m[i][j] = beta1 * m[i][j] + (1 - beta1) * (g[j] + decay * wi[j]);
            mAbs[i][j] = beta1 * mAbs[i][j] + (1 - beta1) * (Math.abs(g[j]) + Math.abs(decay * wi[j]));
        }
        double ratio = adapts[i] ? trustRatio(norm(wi), norm(m[i])) : 1.0;
        conditions[i] = condition(mAbs[i], m[i]);
        for (int j = 0; j < wi.length; j++) {
            wi[j] -= lr * ratio * m[i][j];
        }
        return ratio;
    }

    private double adamWTensor(int i, double[] g, double decay, long t, double lr) {
        double[] wi = w[i];
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int j = 0; j < wi.length; j++) {
            m[i][j] = beta1 * m[i][j] + (1 - beta1) * g[j];
            mAbs[i][j] = beta1 * mAbs[i][j] + (1 - beta1) * Math.abs(g[j]);
            v[i][j] = beta2 * v[i][j] + (1 - beta2) * g[j] * g[j];
            double update = (m[i][j] / c1) / (Math.sqrt(v[i][j] / c2) + epsilon) + decay * wi[j];
            wi[j] -= lr * update;
        }
        return 1.0;
    }

    private double adamTensor(int i, double[] g, double decay, long t, double lr) {
        double[] wi = w[i];
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int j = 0; j < wi.length; j++) {
            double gj = g[j] + decay * wi[j];
            m[i][j] = beta1 * m[i][j] + (1 - beta1) * gj;
            mAbs[i][j] = beta1 * mAbs[i][j] + (1 - beta1) * (Math.abs(g[j]) + Math.abs(decay * wi[j]));
            v[i][j] = beta2 * v[i][j] + (1 - beta2) * gj * gj;
            wi[j] -= lr * (m[i][j] / c1) / (Math.sqrt(v[i][j] / c2) + epsilon);
        }
        return 1.0;
    }

    /** {@code eta |w| / |u|}, 1 when either norm is 0, then the optional clamp (which also bounds that 1). */
    private double trustRatio(double wNorm, double uNorm) {
        double r = wNorm == 0 || uNorm == 0 ? 1.0 : trustCoefficient * wNorm / uNorm;
        return clamped ? Math.min(clampMax, Math.max(clampMin, r)) : r;
    }

    /** {@code |abs| / |x|}, at least 1; 1 when {@code x} is 0 (no ratio is computed from it then). */
    private static double condition(double[] abs, double[] x) {
        double nx = norm(x);
        return nx == 0 ? 1.0 : Math.max(1.0, norm(abs) / nx);
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double e : x) {
            s += e * e;
        }
        return Math.sqrt(s);
    }
}
