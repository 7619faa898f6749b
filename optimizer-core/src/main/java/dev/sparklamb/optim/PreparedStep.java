package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;
import java.util.OptionalDouble;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything {@link LocalOptimizer} checks and measures before a step may write anything: layouts agree, arrays are
 * dense float32, the gradient is finite; plus the {@link GlobalNorm} (norm and clipping factor). Construction either
 * fails or yields a step that cannot fail on its inputs any more.
 */
final class PreparedStep {

    final DenseTensor[] params;
    final DenseTensor[] grads;
    final GlobalNorm norm;

    private PreparedStep(DenseTensor[] params, DenseTensor[] grads, GlobalNorm norm) {
        this.params = params;
        this.grads = grads;
        this.norm = norm;
    }

    static PreparedStep prepare(String optimizerName, boolean secondMoment, NamedTensors params, NamedTensors gradients, double gradientScale,
                                OptimizerState state, OptionalDouble maxGradientNorm, ChunkPlan plan, ChunkExecutor executor) {
        GlobalNorm.requireValidScale(gradientScale);
        TensorLayout layout = params.layout();
        layout.requireSameAs(gradients.layout(), "gradient");
        state.requireCompatible(optimizerName, secondMoment, layout);

        DenseTensor[] p = new DenseTensor[layout.size()];
        DenseTensor[] g = new DenseTensor[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            INDArray param = params.get(i);
            INDArray grad = gradients.get(i);
            p[i] = DenseTensor.of(param, layout.name(i), "parameter");
            if (!DenseTensor.isDense(grad) || !DenseTensor.sameMemoryOrder(grad, param.ordering())) {
                grad = grad.dup(param.ordering());
            }
            g[i] = DenseTensor.of(grad, layout.name(i), "gradient");
        }

        double[][] partial = executor.run(plan, 1, (c, s, out) -> {
            DenseTensor gt = g[plan.tensorOf(c)];
            int n = plan.count(c);
            gt.read(plan.from(c), s.a, n);
            out[0] = Kernels.sumOfSquares(s.a, n);
        });
        double[] perTensor = plan.sumPerTensor(partial, 0);
        return new PreparedStep(p, g, GlobalNorm.of(perTensor, gradientScale, maxGradientNorm, i -> nonFinite(layout, i, g[i])));
    }

    private static InvalidGradientException nonFinite(TensorLayout layout, int tensor, DenseTensor g) {
        float[] one = new float[1];
        for (int i = 0; i < g.length(); i++) {
            g.read(i, one, 1);
            if (!Float.isFinite(one[0])) {
                return new InvalidGradientException(layout.name(tensor), i, one[0]);
            }
        }
        // The sum of squares overflowed without a non-finite element: report the tensor nonetheless.
        return new InvalidGradientException(layout.name(tensor), -1, Float.POSITIVE_INFINITY);
    }
}
