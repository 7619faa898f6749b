package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;
import java.util.Arrays;

/** LARS as in {@link LarsConfig}: two passes per tensor (momentum and norms, then the parameter update). */
final class LarsOptimizer implements Optimizer {

    private final LarsConfig config;
    private final ChunkExecutor executor = ChunkExecutor.shared();
    private final LayoutCache cache = new LayoutCache();

    LarsOptimizer(LarsConfig config) {
        this.config = config;
    }

    @Override
    public OptimizerConfig config() {
        return config;
    }

    @Override
    public OptimizerState init(TensorLayout layout) {
        return OptimizerState.zeros(config.name(), layout, false);
    }

    @Override
    public StepResult step(NamedTensors params, NamedTensors gradients, double gradientScale, OptimizerState state) {
        LayoutCache.Entry layoutInfo = cache.get(params.layout(), config.excludeFromWeightDecay(),
                config.effectiveLayerAdaptationExclusions());
        ChunkPlan plan = layoutInfo.plan();
        PreparedStep prepared = PreparedStep.prepare(config.name(), false, params, gradients, gradientScale, state, config.maxGradientNorm(),
                plan, executor);
        TensorLayout layout = params.layout();
        double lr = config.learningRate().rate(state.step());
        float beta = (float) config.momentum();
        float oneMinusBeta = (float) (1.0 - config.momentum());
        float[] decay = new float[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            decay[i] = layoutInfo.weightDecay().included(i) ? (float) config.weightDecay() : 0f;
        }
        DenseTensor[] w = prepared.params;
        DenseTensor[] g = prepared.grads;
        float scale = prepared.effectiveScale;
        double[][] partial = executor.run(plan, 2, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            g[i].read(from, s.a, n);
            w[i].read(from, s.b, n);
            System.arraycopy(state.first(i), from, s.c, 0, n);
            Kernels.updateMomentum(scale, beta, oneMinusBeta, decay[i], s.a, s.b, s.c, n);
            System.arraycopy(s.c, 0, state.first(i), from, n);
            out[0] = Kernels.sumOfSquares(s.b, n);
            out[1] = Kernels.sumOfSquares(s.c, n);
        });
        double[] sw = plan.sumPerTensor(partial, 0);
        double[] sm = plan.sumPerTensor(partial, 1);
        double[] ratios = new double[layout.size()];
        boolean[] adapted = new boolean[layout.size()];
        double[] wNorms = new double[layout.size()];
        double[] mNorms = new double[layout.size()];
        Arrays.fill(ratios, 1.0);
        float[] stepSizes = new float[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            wNorms[i] = Math.sqrt(sw[i]);
            mNorms[i] = Math.sqrt(sm[i]);
            if (layoutInfo.layerAdaptation().included(i)) {
                adapted[i] = true;
                ratios[i] = TrustRatio.of(wNorms[i], mNorms[i], config.trustCoefficient(), config.trustRatioClamp());
            }
            stepSizes[i] = (float) (lr * ratios[i]);
        }
        executor.run(plan, 0, (c, s, out) -> {
            int i = plan.tensorOf(c);
            int from = plan.from(c);
            int n = plan.count(c);
            w[i].read(from, s.b, n);
            System.arraycopy(state.first(i), from, s.c, 0, n);
            Kernels.applyMomentum(stepSizes[i], s.b, s.c, n);
            w[i].write(from, s.b, n);
        });
        state.advance();
        return new StepResult(state.step(), lr, prepared.gradientNorm, prepared.clipScale, layout, ratios, wNorms, mNorms, adapted);
    }
}
