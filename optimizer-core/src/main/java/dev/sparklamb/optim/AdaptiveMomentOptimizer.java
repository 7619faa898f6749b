package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;
import java.util.Arrays;

/**
 * Adam, AdamW and LAMB over named tensors ({@link AdaptiveMomentRule} says which). Bookkeeping only: checks and
 * norms come from {@link PreparedStep}, the element loops from {@link Kernels}.
 *
 * <p>With layer adaptation the step takes two passes per tensor (moments and norms, then the parameter update, which
 * recomputes {@code u} rather than storing it); without, one.
 */
final class AdaptiveMomentOptimizer implements Optimizer {

    private final OptimizerConfig config;
    private final AdaptiveMomentRule rule;
    private final ChunkExecutor executor;
    private final LayoutCache cache = new LayoutCache();

    AdaptiveMomentOptimizer(OptimizerConfig config, AdaptiveMomentRule rule) {
        this.config = config;
        this.rule = rule;
        this.executor = ChunkExecutor.shared();
    }

    AdaptiveMomentRule rule() {
        return rule;
    }

    @Override
    public OptimizerConfig config() {
        return config;
    }

    @Override
    public OptimizerState init(TensorLayout layout) {
        return OptimizerState.zeros(config.name(), layout, true);
    }

    @Override
    public StepResult step(NamedTensors params, NamedTensors gradients, double gradientScale, OptimizerState state) {
        LayoutCache.Entry layoutInfo = cache.get(params.layout(), rule.excludeFromWeightDecay(), rule.excludeFromLayerAdaptation());
        ChunkPlan plan = layoutInfo.plan();
        PreparedStep prepared = PreparedStep.prepare(config.name(), true, params, gradients, gradientScale, state, rule.maxGradientNorm(),
                plan, executor);
        TensorLayout layout = params.layout();
        long t = state.step() + 1;
        double lr = config.learningRate().rate(state.step());
        Kernels.Moments[] coefficients = new Kernels.Moments[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            boolean decays = layoutInfo.weightDecay().included(i);
            coefficients[i] = Kernels.Moments.of(prepared.effectiveScale, decays ? rule.coupledWeightDecay() : 0, rule.beta1(),
                    rule.beta2(), rule.correction(rule.beta1(), t), rule.correction(rule.beta2(), t), rule.epsilon(),
                    decays ? rule.decoupledWeightDecay() : 0);
        }
        double[] ratios = new double[layout.size()];
        boolean[] adapted = new boolean[layout.size()];
        Arrays.fill(ratios, 1.0);
        double[] wNorms = new double[layout.size()];
        double[] uNorms = new double[layout.size()];
        Arrays.fill(wNorms, Double.NaN);
        Arrays.fill(uNorms, Double.NaN);

        DenseTensor[] w = prepared.params;
        DenseTensor[] g = prepared.grads;
        if (!rule.layerAdaptation()) {
            float stepSize = (float) lr;
            executor.run(plan, 0, (c, s, out) -> {
                int i = plan.tensorOf(c);
                int from = plan.from(c);
                int n = plan.count(c);
                g[i].read(from, s.a, n);
                w[i].read(from, s.b, n);
                System.arraycopy(state.first(i), from, s.c, 0, n);
                System.arraycopy(state.second(i), from, s.d, 0, n);
                Kernels.updateMomentsAndApply(coefficients[i], stepSize, s.a, s.b, s.c, s.d, n);
                System.arraycopy(s.c, 0, state.first(i), from, n);
                System.arraycopy(s.d, 0, state.second(i), from, n);
                w[i].write(from, s.b, n);
            });
        } else {
            double[][] partial = executor.run(plan, 2, (c, s, out) -> {
                int i = plan.tensorOf(c);
                int from = plan.from(c);
                int n = plan.count(c);
                g[i].read(from, s.a, n);
                w[i].read(from, s.b, n);
                System.arraycopy(state.first(i), from, s.c, 0, n);
                System.arraycopy(state.second(i), from, s.d, 0, n);
                Kernels.updateMoments(coefficients[i], s.a, s.b, s.c, s.d, s.e, n);
                System.arraycopy(s.c, 0, state.first(i), from, n);
                System.arraycopy(s.d, 0, state.second(i), from, n);
                out[0] = Kernels.sumOfSquares(s.b, n);
                out[1] = Kernels.sumOfSquares(s.e, n);
            });
            double[] sw = plan.sumPerTensor(partial, 0);
            double[] su = plan.sumPerTensor(partial, 1);
            float[] stepSizes = new float[layout.size()];
            for (int i = 0; i < layout.size(); i++) {
                wNorms[i] = Math.sqrt(sw[i]);
                uNorms[i] = Math.sqrt(su[i]);
                if (layoutInfo.layerAdaptation().included(i)) {
                    adapted[i] = true;
                    ratios[i] = TrustRatio.of(wNorms[i], uNorms[i], rule.trustCoefficient(), rule.trustRatioClamp());
                }
                stepSizes[i] = (float) (lr * ratios[i]);
            }
            executor.run(plan, 0, (c, s, out) -> {
                int i = plan.tensorOf(c);
                int from = plan.from(c);
                int n = plan.count(c);
                w[i].read(from, s.b, n);
                System.arraycopy(state.first(i), from, s.c, 0, n);
                System.arraycopy(state.second(i), from, s.d, 0, n);
                Kernels.applyUpdate(coefficients[i], stepSizes[i], s.b, s.c, s.d, n);
                w[i].write(from, s.b, n);
            });
        }
        state.advance();
        return new StepResult(t, lr, prepared.gradientNorm, prepared.clipScale, layout, ratios, wNorms, uNorms, adapted);
    }
}
