package dev.sparklamb.optim;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * One optimizer step split between shard owners (who hold a {@link ShardPlan} shard of the parameters, its moments
 * and its summed gradient) and a coordinator (who sees only a few scalars per chunk). The arithmetic, the chunking and
 * the order of every sum are those of {@link Optimizer#step}, so the result is bitwise the same as the single-process
 * step on the whole vector.
 *
 * <p>Per step:
 * <ol>
 *   <li>owners: {@link #gradientReport} (per-chunk sums of squares of the gradient slice);</li>
 *   <li>coordinator: {@link #coefficients} (finiteness check naming the tensor, global norm, clipping, learning rate,
 *       per-tensor coefficients) — throws {@link InvalidGradientException} when the step must be skipped;</li>
 *   <li>owners: {@link #update} — for Adam/AdamW the whole update; for LAMB and LARS the moments plus per-chunk
 *       sums of squares of {@code w} and {@code u};</li>
 *   <li>(LAMB, LARS) coordinator: {@link #stepSizes} (per-tensor trust ratios from the chunk sums); owners:
 *       {@link #apply}.</li>
 * </ol>
 * Owner-side methods are static and take only serializable values, so they can run in Spark tasks.
 */
public final class ShardedStep {

    /** How the update is organised. */
    public enum Kind {
        /** Adam, AdamW (no trust ratio): one pass updates moments and parameters. */
        ONE_PASS,
        /** LAMB: moments and norms, then the update with the trust ratio. */
        ADAPTIVE_TWO_PASS,
        /** LARS: momentum and norms, then the update with the trust ratio. */
        LARS
    }

    private final OptimizerConfig config;
    private final Kind kind;
    private final AdaptiveMomentRule rule;
    private final LarsConfig lars;
    private final ShardPlan plan;
    private final TensorMask weightDecay;
    private final TensorMask layerAdaptation;

    private ShardedStep(OptimizerConfig config, Kind kind, AdaptiveMomentRule rule, LarsConfig lars, ShardPlan plan,
                        TensorMask weightDecay, TensorMask layerAdaptation) {
        this.config = config;
        this.kind = kind;
        this.rule = rule;
        this.lars = lars;
        this.plan = plan;
        this.weightDecay = weightDecay;
        this.layerAdaptation = layerAdaptation;
    }

    /** The sharded form of {@code optimizer} (one of this module's optimizers) over {@code plan}'s layout. */
    public static ShardedStep of(Optimizer optimizer, ShardPlan plan) {
        TensorLayout layout = plan.layout();
        if (optimizer instanceof AdaptiveMomentOptimizer a) {
            AdaptiveMomentRule r = a.rule();
            return new ShardedStep(a.config(), r.layerAdaptation() ? Kind.ADAPTIVE_TWO_PASS : Kind.ONE_PASS, r, null, plan,
                    TensorMask.excluding(layout, r.excludeFromWeightDecay(), "excludeFromWeightDecay"),
                    TensorMask.excluding(layout, r.excludeFromLayerAdaptation(), "excludeFromLayerAdaptation"));
        }
        if (optimizer instanceof LarsOptimizer l) {
            LarsConfig c = (LarsConfig) l.config();
            return new ShardedStep(c, Kind.LARS, null, c, plan,
                    TensorMask.excluding(layout, c.excludeFromWeightDecay(), "excludeFromWeightDecay"),
                    TensorMask.excluding(layout, c.effectiveLayerAdaptationExclusions(), "excludeFromLayerAdaptation"));
        }
        throw new IllegalArgumentException("optimizer '" + optimizer.config().name() + "' (" + optimizer.getClass().getName()
                + ") has no sharded form; use lamb, lars, adamw or adam");
    }

    public Kind kind() {
        return kind;
    }

    public ShardPlan plan() {
        return plan;
    }

    public OptimizerConfig config() {
        return config;
    }

    /** Whether the owners keep a second moment (Adam family) besides the first. */
    public boolean hasSecondMoment() {
        return kind != Kind.LARS;
    }

    /** Whether a step needs the second round ({@link #stepSizes}/{@link #apply}) for its trust ratios. */
    public boolean needsNormRound() {
        return kind != Kind.ONE_PASS;
    }

    /** The learning rate the schedule gives after {@code completedSteps} steps. */
    public double learningRate(long completedSteps) {
        return config.learningRate().rate(completedSteps);
    }

    /** Fails with a message naming the mismatch unless {@code state} belongs to this optimizer and layout. */
    public void requireCompatible(OptimizerState state) {
        state.requireCompatible(config.name(), hasSecondMoment(), plan.layout());
    }

    /** Shard {@code s}'s slice of {@code state}'s first (second: {@code second = true}) moment. */
    public float[] momentSlice(OptimizerState state, int s, boolean second) {
        float[][] perTensor = new float[plan.layout().size()][];
        for (int i = 0; i < perTensor.length; i++) {
            perTensor[i] = second ? state.secondMoment(i) : state.firstMoment(i);
        }
        return plan.slice(perTensor, s);
    }

    /** The optimizer state assembled from every shard's moment slices (index = shard); {@code second} null for LARS. */
    public OptimizerState assemble(long completedSteps, float[][] first, float[][] second) {
        TensorLayout layout = plan.layout();
        float[][] m = new float[layout.size()][];
        float[][] v = second == null ? null : new float[layout.size()][];
        for (int i = 0; i < layout.size(); i++) {
            m[i] = new float[layout.length(i)];
            if (v != null) {
                v[i] = new float[layout.length(i)];
            }
        }
        for (int s = 0; s < plan.shards(); s++) {
            plan.unslice(first[s], s, m);
            if (v != null) {
                plan.unslice(second[s], s, v);
            }
        }
        return new OptimizerState(config.name(), layout, completedSteps, m, v);
    }

    // ---------------------------------------------------------------- owner: gradient

    /** Per-chunk sums of squares of one shard's gradient, and where its first non-finite element is. */
    public static final class GradientReport implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int shard;
        private final double[] chunkSums;
        private final int badChunk;
        private final int badElement;
        private final float badValue;

        GradientReport(int shard, double[] chunkSums, int badChunk, int badElement, float badValue) {
            this.shard = shard;
            this.chunkSums = chunkSums;
            this.badChunk = badChunk;
            this.badElement = badElement;
            this.badValue = badValue;
        }

        public int shard() {
            return shard;
        }
    }

    public static GradientReport gradientReport(ShardPlan plan, int s, float[] g) {
        requireLength(plan, s, g, "gradient");
        int first = plan.firstChunk(s);
        double[] sums = new double[plan.endChunk(s) - first];
        float[] a = new float[chunkCapacity(plan, s)];
        int badChunk = -1;
        int badElement = -1;
        float badValue = 0;
        for (int c = first; c < plan.endChunk(s); c++) {
            int n = plan.chunkLength(c);
            int off = plan.offsetInShard(s, c);
            System.arraycopy(g, off, a, 0, n);
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

    // ---------------------------------------------------------------- coordinator: coefficients

    /** Everything owners need for {@link #update}: serializable, a few numbers per tensor. */
    public static final class Coefficients implements Serializable {
        private static final long serialVersionUID = 1L;
        final Kind kind;
        final long step;
        final double learningRate;
        final double gradientNorm;
        final double clipScale;
        final Kernels.Moments[] moments;
        final float larsScale;
        final float larsBeta;
        final float larsOneMinusBeta;
        final float[] larsDecay;

        Coefficients(Kind kind, long step, double learningRate, double gradientNorm, double clipScale, Kernels.Moments[] moments,
                     float larsScale, float larsBeta, float larsOneMinusBeta, float[] larsDecay) {
            this.kind = kind;
            this.step = step;
            this.learningRate = learningRate;
            this.gradientNorm = gradientNorm;
            this.clipScale = clipScale;
            this.moments = moments;
            this.larsScale = larsScale;
            this.larsBeta = larsBeta;
            this.larsOneMinusBeta = larsOneMinusBeta;
            this.larsDecay = larsDecay;
        }

        /** The 1-based number of the step these coefficients are for. */
        public long step() {
            return step;
        }

        public double learningRate() {
            return learningRate;
        }
    }

    /**
     * Checks and measures the summed gradient from all shards' reports (in any order) as {@link Optimizer#step} does
     * before writing anything.
     *
     * @param gradientScale  multiplies every gradient element (e.g. 1 / global batch)
     * @param completedSteps steps applied so far (the optimizer state's step)
     * @throws InvalidGradientException when the gradient has NaN/Inf: the step must be skipped
     */
    public Coefficients coefficients(List<GradientReport> reports, double gradientScale, long completedSteps) {
        if (!(gradientScale > 0) || Double.isInfinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be a finite number > 0, got " + gradientScale);
        }
        double[] perChunk = gather(reports, r -> r.shard, r -> r.chunkSums, "gradient");
        double[] perTensor = plan.sumPerTensor(perChunk);
        TensorLayout layout = plan.layout();
        double sum = 0;
        for (int i = 0; i < perTensor.length; i++) {
            if (!Double.isFinite(perTensor[i])) {
                throw nonFinite(reports, i);
            }
            sum += perTensor[i];
        }
        double norm = Math.sqrt(sum) * gradientScale;
        double clip = 1.0;
        java.util.OptionalDouble max = kind == Kind.LARS ? lars.maxGradientNorm() : rule.maxGradientNorm();
        if (max.isPresent() && norm > max.getAsDouble()) {
            clip = max.getAsDouble() / norm;
        }
        float effectiveScale = (float) (gradientScale * clip);
        long t = completedSteps + 1;
        double lr = config.learningRate().rate(completedSteps);
        if (kind == Kind.LARS) {
            float[] decay = new float[layout.size()];
            for (int i = 0; i < layout.size(); i++) {
                decay[i] = weightDecay.included(i) ? (float) lars.weightDecay() : 0f;
            }
            return new Coefficients(kind, t, lr, norm, clip, null, effectiveScale, (float) lars.momentum(),
                    (float) (1.0 - lars.momentum()), decay);
        }
        Kernels.Moments[] moments = new Kernels.Moments[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            boolean decays = weightDecay.included(i);
            moments[i] = Kernels.Moments.of(effectiveScale, decays ? rule.coupledWeightDecay() : 0, rule.beta1(), rule.beta2(),
                    rule.correction(rule.beta1(), t), rule.correction(rule.beta2(), t), rule.epsilon(),
                    decays ? rule.decoupledWeightDecay() : 0);
        }
        return new Coefficients(kind, t, lr, norm, clip, moments, 0, 0, 0, null);
    }

    private InvalidGradientException nonFinite(List<GradientReport> reports, int tensor) {
        String name = plan.layout().name(tensor);
        GradientReport first = null;
        for (GradientReport r : reports) {
            if (r.badChunk >= 0 && plan.tensorOf(r.badChunk) == tensor && (first == null || r.badChunk < first.badChunk)) {
                first = r;
            }
        }
        // No non-finite element: the sum of squares overflowed. Reported like the single-process step does.
        return first == null ? new InvalidGradientException(name, -1, Float.POSITIVE_INFINITY)
                : new InvalidGradientException(name, first.badElement, first.badValue);
    }

    // ---------------------------------------------------------------- owner: update

    /** What {@link #update} produced for one shard: new moments, new parameters (one pass) or per-chunk norms. */
    public static final class ShardUpdate implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int shard;
        private final float[] parameters;
        private final float[] first;
        private final float[] second;
        private final double[] parameterSums;
        private final double[] updateSums;

        ShardUpdate(int shard, float[] parameters, float[] first, float[] second, double[] parameterSums, double[] updateSums) {
            this.shard = shard;
            this.parameters = parameters;
            this.first = first;
            this.second = second;
            this.parameterSums = parameterSums;
            this.updateSums = updateSums;
        }

        /** The updated parameters (one-pass optimizers); the unchanged input array for two-pass ones. */
        public float[] parameters() {
            return parameters;
        }

        public float[] firstMoment() {
            return first;
        }

        /** Null for LARS. */
        public float[] secondMoment() {
            return second;
        }

        /** Only the scalars the coordinator needs for trust ratios (per-chunk sums of squares of w and u). */
        public NormReport norms() {
            return new NormReport(shard, parameterSums, updateSums);
        }
    }

    /** Per-chunk sums of squares of {@code w} and of the update direction of one shard. */
    public static final class NormReport implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int shard;
        private final double[] parameterSums;
        private final double[] updateSums;

        NormReport(int shard, double[] parameterSums, double[] updateSums) {
            this.shard = shard;
            this.parameterSums = parameterSums;
            this.updateSums = updateSums;
        }

        public int shard() {
            return shard;
        }
    }

    /**
     * Updates shard {@code s}: never writes its inputs (new arrays are returned, so a re-run task sees the same
     * inputs). {@code v} is null for LARS.
     */
    public static ShardUpdate update(Coefficients k, ShardPlan plan, int s, float[] g, float[] w, float[] m, float[] v) {
        requireLength(plan, s, g, "gradient");
        requireLength(plan, s, w, "parameters");
        requireLength(plan, s, m, "first moment");
        if (k.kind != Kind.LARS) {
            requireLength(plan, s, v, "second moment");
        }
        int first = plan.firstChunk(s);
        int chunks = plan.endChunk(s) - first;
        float[] newW = k.kind == Kind.ONE_PASS ? new float[w.length] : w;
        float[] newM = new float[m.length];
        float[] newV = k.kind == Kind.LARS ? null : new float[v.length];
        double[] wSums = k.kind == Kind.ONE_PASS ? null : new double[chunks];
        double[] uSums = k.kind == Kind.ONE_PASS ? null : new double[chunks];
        Scratch sc = new Scratch(chunkCapacity(plan, s));
        for (int c = first; c < plan.endChunk(s); c++) {
            int i = plan.tensorOf(c);
            int n = plan.chunkLength(c);
            int off = plan.offsetInShard(s, c);
            System.arraycopy(g, off, sc.a, 0, n);
            System.arraycopy(w, off, sc.b, 0, n);
            System.arraycopy(m, off, sc.c, 0, n);
            switch (k.kind) {
                case ONE_PASS -> {
                    System.arraycopy(v, off, sc.d, 0, n);
                    Kernels.updateMomentsAndApply(k.moments[i], (float) k.learningRate, sc.a, sc.b, sc.c, sc.d, n);
                    System.arraycopy(sc.b, 0, newW, off, n);
                    System.arraycopy(sc.d, 0, newV, off, n);
                }
                case ADAPTIVE_TWO_PASS -> {
                    System.arraycopy(v, off, sc.d, 0, n);
                    Kernels.updateMoments(k.moments[i], sc.a, sc.b, sc.c, sc.d, sc.e, n);
                    System.arraycopy(sc.d, 0, newV, off, n);
                    wSums[c - first] = Kernels.sumOfSquares(sc.b, n);
                    uSums[c - first] = Kernels.sumOfSquares(sc.e, n);
                }
                case LARS -> {
                    Kernels.updateMomentum(k.larsScale, k.larsBeta, k.larsOneMinusBeta, k.larsDecay[i], sc.a, sc.b, sc.c, n);
                    wSums[c - first] = Kernels.sumOfSquares(sc.b, n);
                    uSums[c - first] = Kernels.sumOfSquares(sc.c, n);
                }
                default -> throw new IllegalStateException(k.kind.toString());
            }
            System.arraycopy(sc.c, 0, newM, off, n);
        }
        return new ShardUpdate(s, newW, newM, newV, wSums, uSums);
    }

    // ---------------------------------------------------------------- coordinator: trust ratios

    /** Per-tensor step sizes ({@code lr * trust ratio}) for {@link #apply}, and the step's {@link StepResult}. */
    public static final class StepSizes implements Serializable {
        private static final long serialVersionUID = 1L;
        final float[] sizes;
        private final transient StepResult result;

        StepSizes(float[] sizes, StepResult result) {
            this.sizes = sizes;
            this.result = result;
        }

        /** Available on the coordinator only. */
        public StepResult result() {
            return result;
        }
    }

    /** Trust ratios from all shards' norm reports, combined per tensor in chunk order. */
    public StepSizes stepSizes(Coefficients k, List<NormReport> reports) {
        if (k.kind == Kind.ONE_PASS) {
            throw new IllegalStateException("a one-pass step has no trust ratios; use result(coefficients)");
        }
        TensorLayout layout = plan.layout();
        double[] sw = plan.sumPerTensor(gather(reports, r -> r.shard, r -> r.parameterSums, "norm"));
        double[] su = plan.sumPerTensor(gather(reports, r -> r.shard, r -> r.updateSums, "norm"));
        double[] ratios = new double[layout.size()];
        boolean[] adapted = new boolean[layout.size()];
        double[] wNorms = new double[layout.size()];
        double[] uNorms = new double[layout.size()];
        Arrays.fill(ratios, 1.0);
        float[] sizes = new float[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            wNorms[i] = Math.sqrt(sw[i]);
            uNorms[i] = Math.sqrt(su[i]);
            if (layerAdaptation.included(i)) {
                adapted[i] = true;
                ratios[i] = k.kind == Kind.LARS
                        ? TrustRatio.of(wNorms[i], uNorms[i], lars.trustCoefficient(), lars.trustRatioClamp())
                        : TrustRatio.of(wNorms[i], uNorms[i], rule.trustCoefficient(), rule.trustRatioClamp());
            }
            sizes[i] = (float) (k.learningRate * ratios[i]);
        }
        return new StepSizes(sizes, new StepResult(k.step, k.learningRate, k.gradientNorm, k.clipScale, layout, ratios, wNorms, uNorms,
                adapted));
    }

    /** The {@link StepResult} of a one-pass step (no trust ratios: all 1, norms not computed). */
    public StepResult result(Coefficients k) {
        int n = plan.layout().size();
        double[] ratios = new double[n];
        double[] nan = new double[n];
        Arrays.fill(ratios, 1.0);
        Arrays.fill(nan, Double.NaN);
        return new StepResult(k.step, k.learningRate, k.gradientNorm, k.clipScale, plan.layout(), ratios, nan, nan.clone(),
                new boolean[n]);
    }

    // ---------------------------------------------------------------- owner: apply

    /** The second pass of LAMB / LARS on shard {@code s}: returns the new parameters ({@code w} is not written). */
    public static float[] apply(Coefficients k, StepSizes sizes, ShardPlan plan, int s, float[] w, float[] m, float[] v) {
        if (k.kind == Kind.ONE_PASS) {
            throw new IllegalStateException("a one-pass step is applied by update()");
        }
        requireLength(plan, s, w, "parameters");
        float[] out = new float[w.length];
        Scratch sc = new Scratch(chunkCapacity(plan, s));
        for (int c = plan.firstChunk(s); c < plan.endChunk(s); c++) {
            int i = plan.tensorOf(c);
            int n = plan.chunkLength(c);
            int off = plan.offsetInShard(s, c);
            System.arraycopy(w, off, sc.b, 0, n);
            System.arraycopy(m, off, sc.c, 0, n);
            if (k.kind == Kind.LARS) {
                Kernels.applyMomentum(sizes.sizes[i], sc.b, sc.c, n);
            } else {
                System.arraycopy(v, off, sc.d, 0, n);
                Kernels.applyUpdate(k.moments[i], sizes.sizes[i], sc.b, sc.c, sc.d, n);
            }
            System.arraycopy(sc.b, 0, out, off, n);
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private <R> double[] gather(List<R> reports, java.util.function.ToIntFunction<R> shardOf, java.util.function.Function<R, double[]> sums,
                                String what) {
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

    private static void requireLength(ShardPlan plan, int s, float[] a, String what) {
        if (a == null || a.length != plan.length(s)) {
            throw new IllegalArgumentException(what + " slice of shard " + s + " has " + (a == null ? "no array" : a.length + " values")
                    + ", expected " + plan.length(s));
        }
    }

    private static int chunkCapacity(ShardPlan plan, int s) {
        int max = 1;
        for (int c = plan.firstChunk(s); c < plan.endChunk(s); c++) {
            max = Math.max(max, plan.chunkLength(c));
        }
        return max;
    }

    private static final class Scratch {
        final float[] a;
        final float[] b;
        final float[] c;
        final float[] d;
        final float[] e;

        Scratch(int n) {
            a = new float[n];
            b = new float[n];
            c = new float[n];
            d = new float[n];
            e = new float[n];
        }
    }
}
