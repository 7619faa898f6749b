package dev.sparklamb.optim;

import java.util.List;

/**
 * The sharded driver: one optimizer step split between shard owners (who hold a {@link ShardPlan} shard of the
 * parameters, its moments and its summed gradient; {@link ShardOwner}) and a coordinator (this class, which sees only
 * a few scalars per chunk). It runs the same {@link UpdateRule}, {@link GlobalNorm}, {@link Coefficients} and
 * {@link StepSizes} as {@link LocalOptimizer}, with the same chunking and the same order of every sum, so the result
 * is bitwise the same as the single-process step on the whole vector.
 *
 * <p>Per step:
 * <ol>
 *   <li>owners: {@link #gradientReport} (per-chunk sums of squares of the gradient slice);</li>
 *   <li>coordinator: {@link #coefficients} (finiteness check naming the tensor, global norm, clipping, learning rate,
 *       per-tensor coefficients) — throws {@link InvalidGradientException} when the step must be skipped;</li>
 *   <li>owners: {@link #update} — for rules without layer adaptation (Adam, AdamW) the whole update; for LAMB and LARS
 *       the moments plus per-chunk sums of squares of {@code w} and {@code u};</li>
 *   <li>(LAMB, LARS) coordinator: {@link #stepSizes} (per-tensor trust ratios from the chunk sums); owners:
 *       {@link #apply}.</li>
 * </ol>
 * Owners may run step 3 of LAMB and LARS together with step 1, with {@link #unclippedCoefficients}, and the
 * coordinator use its norms when those have {@link Coefficients#samePasses the same passes} as step 2's coefficients
 * (the step is not clipped): one round trip per step instead of two, with the same result. Where the gradient scale
 * is known only once the owners have summed the gradient (it divides by the step's loss count), the coordinator sends
 * {@link #unclipped} and each owner makes the coefficients for the scale it has summed.
 */
public final class ShardedStep {

    private final OptimizerConfig config;
    private final OptimizerSpec spec;
    private final ShardPlan plan;
    private final TensorFacts facts;

    private ShardedStep(OptimizerConfig config, OptimizerSpec spec, ShardPlan plan) {
        this.config = config;
        this.spec = spec;
        this.plan = plan;
        this.facts = spec.perTensor().resolve(plan.layout());
    }

    /**
     * The sharded form of {@code optimizer} (one made by {@link OptimizerConfig#create()}) over {@code plan}'s layout.
     *
     * @throws IllegalArgumentException for another implementation of {@link Optimizer}, or naming the tensor when a
     *                                  weight-decay override names a tensor the layout lacks
     */
    public static ShardedStep of(Optimizer optimizer, ShardPlan plan) {
        if (!(optimizer instanceof LocalOptimizer local)) {
            throw new IllegalArgumentException("optimizer '" + optimizer.config().name() + "' (" + optimizer.getClass().getName()
                    + ") has no sharded form; use one made by OptimizerConfig.create()");
        }
        return new ShardedStep(local.config(), local.spec(), plan);
    }

    public ShardPlan plan() {
        return plan;
    }

    public OptimizerConfig config() {
        return config;
    }

    /** Whether the owners keep a second moment (Adam family) besides the first. */
    public boolean hasSecondMoment() {
        return spec.rule().hasSecondMoment();
    }

    /** Whether a step needs the second round ({@link #stepSizes}/{@link #apply}) for its trust ratios. */
    public boolean needsNormRound() {
        return spec.rule().layerAdaptation().isPresent();
    }

    /** The learning rate the schedule gives after {@code completedSteps} steps. */
    public double learningRate(long completedSteps) {
        return spec.schedule().rate(completedSteps);
    }

    /** Fails with a message naming the mismatch unless {@code state} belongs to this optimizer and layout. */
    public void requireCompatible(OptimizerState state) {
        state.requireCompatible(spec.name(), hasSecondMoment(), plan.layout());
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
        return new OptimizerState(spec.name(), layout, completedSteps, m, v);
    }

    /** Owner: per-chunk sums of squares of shard {@code s}'s gradient slice ({@link ShardOwner#gradientReport}). */
    public static GradientReport gradientReport(ShardPlan plan, int s, float[] g) {
        return ShardOwner.gradientReport(plan, s, g);
    }

    /**
     * Checks and measures the summed gradient from all shards' reports (in any order) as {@link Optimizer#step} does
     * before writing anything, and makes the step's coefficients.
     *
     * @param gradientScale  multiplies every gradient element (e.g. 1 / global batch)
     * @param completedSteps steps applied so far (the optimizer state's step)
     * @throws InvalidGradientException when the gradient has NaN/Inf: the step must be skipped
     */
    public Coefficients coefficients(List<GradientReport> reports, double gradientScale, long completedSteps) {
        GlobalNorm.requireValidScale(gradientScale);
        double[] perChunk = ShardReports.perChunk(plan, reports, GradientReport::shard, GradientReport::chunkSums, "gradient");
        GlobalNorm norm = GlobalNorm.of(plan.sumPerTensor(perChunk), gradientScale, spec.maxGradientNorm(),
                i -> ShardReports.nonFinite(plan, reports, i));
        return Coefficients.of(spec.rule(), facts, norm, completedSteps, spec.schedule().rate(completedSteps));
    }

    /**
     * The coefficients of an unclipped step, known before the gradient's norm: owners can run the first pass of a
     * two-pass rule ({@link #update}) together with {@link #gradientReport}, and the coordinator uses its norms when
     * the real coefficients ({@link #coefficients}) have {@link Coefficients#samePasses the same passes} (always
     * without {@code max-gradient-norm}, and whenever the norm stays within it); else the first pass is run again with
     * the real ones.
     */
    public Coefficients unclippedCoefficients(double gradientScale, long completedSteps) {
        return Coefficients.of(spec.rule(), facts, GlobalNorm.unclipped(gradientScale), completedSteps,
                spec.schedule().rate(completedSteps));
    }

    /**
     * {@link #unclippedCoefficients} of step {@code completedSteps + 1} for a gradient scale not known yet: serializable,
     * for owners that learn the scale when they sum the gradient ({@link UnclippedCoefficients#forScale}).
     */
    public UnclippedCoefficients unclipped(long completedSteps) {
        return new UnclippedCoefficients(unclippedCoefficients(1.0, completedSteps));
    }

    /** Owner: the first pass, or the whole update of a one-pass rule ({@link ShardOwner#update}). */
    public static ShardUpdate update(Coefficients k, ShardPlan plan, int s, float[] g, float[] w, float[] m, float[] v) {
        return ShardOwner.update(k, plan, s, g, w, m, v);
    }

    /** Trust ratios from all shards' norm reports, combined per tensor in chunk order. */
    public StepSizes stepSizes(Coefficients k, List<NormReport> reports) {
        LayerAdaptation adaptation = spec.rule().layerAdaptation()
                .orElseThrow(() -> new IllegalStateException("a one-pass step has no trust ratios; use result(coefficients)"));
        double[] sw = plan.sumPerTensor(ShardReports.perChunk(plan, reports, NormReport::shard, NormReport::parameterSums, "norm"));
        double[] su = plan.sumPerTensor(ShardReports.perChunk(plan, reports, NormReport::shard, NormReport::updateSums, "norm"));
        return StepSizes.fromNorms(k, plan.layout(), facts, adaptation, sw, su);
    }

    /** The {@link StepResult} of a one-pass step (no trust ratios: all 1, norms not computed). */
    public StepResult result(Coefficients k) {
        return StepSizes.uniform(k, plan.layout()).result();
    }

    /** Owner: the second pass of LAMB / LARS on shard {@code s} ({@link ShardOwner#apply}). */
    public static float[] apply(Coefficients k, StepSizes sizes, ShardPlan plan, int s, float[] w, float[] m, float[] v) {
        return ShardOwner.apply(k, sizes, plan, s, w, m, v);
    }
}
