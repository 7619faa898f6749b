package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import dev.sparklamb.optim.kernel.DenseTensor;
import java.util.OptionalDouble;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything checked and measured before a step may write anything: layouts agree, arrays are dense float32, the
 * gradient is finite; plus the global gradient norm and the clipping factor. Construction either fails or yields a
 * step that cannot fail on its inputs any more.
 */
final class PreparedStep {

    final DenseTensor[] params;
    final DenseTensor[] grads;
    /** Global L2 norm of {@code gradientScale * g}. */
    final double gradientNorm;
    /** 1, or {@code maxNorm / gradientNorm} when clipping applies. */
    final double clipScale;
    /** What each gradient element is multiplied by: {@code gradientScale * clipScale}. */
    final float effectiveScale;

    private PreparedStep(DenseTensor[] params, DenseTensor[] grads, double gradientNorm, double clipScale, float effectiveScale) {
        this.params = params;
        this.grads = grads;
        this.gradientNorm = gradientNorm;
        this.clipScale = clipScale;
        this.effectiveScale = effectiveScale;
    }

    static PreparedStep prepare(String optimizerName, boolean secondMoment, NamedTensors params, NamedTensors gradients, double gradientScale,
                                OptimizerState state, OptionalDouble maxGradientNorm, ChunkPlan plan, ChunkExecutor executor) {
        if (!(gradientScale > 0) || Double.isInfinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be a finite number > 0, got " + gradientScale);
        }
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
        double sum = 0;
        for (int i = 0; i < perTensor.length; i++) {
            if (!Double.isFinite(perTensor[i])) {
                throw nonFinite(layout, i, g[i]);
            }
            sum += perTensor[i];
        }
        double norm = Math.sqrt(sum) * gradientScale;
        double clip = 1.0;
        if (maxGradientNorm.isPresent() && norm > maxGradientNorm.getAsDouble()) {
            clip = maxGradientNorm.getAsDouble() / norm;
        }
        return new PreparedStep(p, g, norm, clip, (float) (gradientScale * clip));
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
