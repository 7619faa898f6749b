package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;

/**
 * The single-process driver: runs any {@link UpdateRule} over named tensors on the chunks of a {@link ChunkPlan},
 * multi-threaded on a {@link ChunkExecutor}. Bookkeeping only: checks and the global norm come from
 * {@link PreparedStep}, coefficients from {@link Coefficients}, step sizes from {@link StepSizes}, the element loops
 * from the rule's {@link TensorStep}s.
 *
 * <p>With layer adaptation a step takes two passes per tensor (moments and norms, then the parameter update, which
 * recomputes {@code u} rather than storing it); without, one.
 */
final class LocalOptimizer implements Optimizer {

    private final OptimizerConfig config;
    private final OptimizerSpec spec;
    /** ThreadDeterminismTest replaces this field by reflection to compare thread counts; keep its name. */
    private final ChunkExecutor executor;
    private final LayoutCache cache;

    LocalOptimizer(OptimizerConfig config, OptimizerSpec spec) {
        this.config = config;
        this.spec = spec;
        this.executor = ChunkExecutor.shared();
        this.cache = new LayoutCache(spec.perTensor());
    }

    @Override
    public OptimizerConfig config() {
        return config;
    }

    OptimizerSpec spec() {
        return spec;
    }

    /** Fresh state for {@code layout}; fails naming the tensor if a weight-decay override is not in the layout. */
    @Override
    public OptimizerState init(TensorLayout layout) {
        cache.get(layout);
        return OptimizerState.zeros(spec.name(), layout, spec.rule().hasSecondMoment());
    }

    @Override
    public StepResult step(NamedTensors params, NamedTensors gradients, double gradientScale, OptimizerState state) {
        LayoutCache.Entry layoutInfo = cache.get(params.layout());
        UpdateRule rule = spec.rule();
        ChunkPlan plan = layoutInfo.plan();
        PreparedStep prepared = PreparedStep.prepare(spec.name(), rule.hasSecondMoment(), params, gradients, gradientScale, state,
                spec.maxGradientNorm(), plan, executor);
        TensorLayout layout = params.layout();
        double lr = spec.schedule().rate(state.step());
        Coefficients k = Coefficients.of(rule, layoutInfo.facts(), prepared.norm, state.step(), lr);
        StepSizes sizes = rule.layerAdaptation().isPresent()
                ? twoPasses(k, plan, prepared, state, layout, layoutInfo.facts(), rule.layerAdaptation().get())
                : onePass(k, plan, prepared, state, layout);
        state.advance();
        return sizes.result();
    }

    private StepSizes onePass(Coefficients k, ChunkPlan plan, PreparedStep prepared, OptimizerState state, TensorLayout layout) {
        StepSizes sizes = StepSizes.uniform(k, layout);
        DenseTensor[] w = prepared.params;
        DenseTensor[] g = prepared.grads;
        boolean second = k.secondMoment;
        executor.run(plan, 0, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            readChunk(g[i], w[i], state, second, i, from, s, n);
            k.tensor(i).updateAndApply(sizes.size(i), s, n);
            writeMoments(state, second, i, from, s, n);
            w[i].write(from, s.b, n);
        });
        return sizes;
    }

    private StepSizes twoPasses(Coefficients k, ChunkPlan plan, PreparedStep prepared, OptimizerState state, TensorLayout layout,
                                TensorFacts facts, LayerAdaptation adaptation) {
        DenseTensor[] w = prepared.params;
        DenseTensor[] g = prepared.grads;
        boolean second = k.secondMoment;
        double[][] partial = executor.run(plan, 2, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            readChunk(g[i], w[i], state, second, i, from, s, n);
            float[] u = k.tensor(i).updateMoments(s, n);
            writeMoments(state, second, i, from, s, n);
            out[0] = Kernels.sumOfSquares(s.b, n);
            out[1] = Kernels.sumOfSquares(u, n);
        });
        StepSizes sizes = StepSizes.fromNorms(k, layout, facts, adaptation, plan.sumPerTensor(partial, 0), plan.sumPerTensor(partial, 1));
        executor.run(plan, 0, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            w[i].read(from, s.b, n);
            System.arraycopy(state.first(i), from, s.c, 0, n);
            if (second) {
                System.arraycopy(state.second(i), from, s.d, 0, n);
            }
            k.tensor(i).applyUpdate(sizes.size(i), s, n);
            w[i].write(from, s.b, n);
        });
        return sizes;
    }

    /** Copies chunk {@code [from, from + n)} of tensor {@code i}'s gradient, parameters and moments into {@code s}. */
    private static void readChunk(DenseTensor g, DenseTensor w, OptimizerState state, boolean second, int i, int from,
                                  ChunkExecutor.Scratch s, int n) {
        g.read(from, s.a, n);
        w.read(from, s.b, n);
        System.arraycopy(state.first(i), from, s.c, 0, n);
        if (second) {
            System.arraycopy(state.second(i), from, s.d, 0, n);
        }
    }

    private static void writeMoments(OptimizerState state, boolean second, int i, int from, ChunkExecutor.Scratch s, int n) {
        System.arraycopy(s.c, 0, state.first(i), from, n);
        if (second) {
            System.arraycopy(s.d, 0, state.second(i), from, n);
        }
    }
}
