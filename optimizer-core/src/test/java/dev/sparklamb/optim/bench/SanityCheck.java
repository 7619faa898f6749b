package dev.sparklamb.optim.bench;

import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks an alternative LAMB against the optimizer's own LAMB before it is timed. */
final class SanityCheck {

    private SanityCheck() {
    }

    /**
     * Runs {@code steps} steps of the real LAMB on a copy of the parameters and of {@code other} on the parameters
     * themselves (both from fresh state), and fails unless they agree to float tolerance: every element within
     * {@code 1e-3} of the largest parameter change plus 4 ulps of the largest parameter. Returns the real LAMB's
     * state, for further checks.
     */
    static OptimizerState requireSameAsFusedLamb(String label, OptimizerStepBenchmark.Tensors t, BiConsumer<NamedTensors, NamedTensors> other,
                                                 int steps) {
        float[] w0 = t.paramFlat.toFloatVector();
        INDArray fusedFlat = t.paramFlat.dup();
        NamedTensors fused = NamedTensors.viewsOf(t.layout, fusedFlat);
        Optimizer optimizer = OptimizerStepBenchmark.lambConfig().create();
        OptimizerState state = optimizer.init(t.layout);
        for (int k = 0; k < steps; k++) {
            optimizer.step(fused, t.grads, state);
            other.accept(t.params, t.grads);
        }
        float[] a = fusedFlat.toFloatVector();
        float[] b = t.paramFlat.toFloatVector();
        double maxChange = 0;
        double maxAbs = 0;
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < a.length; i++) {
            maxChange = Math.max(maxChange, Math.abs(a[i] - w0[i]));
            maxAbs = Math.max(maxAbs, Math.abs(a[i]));
            double d = Math.abs(a[i] - b[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
        }
        double tolerance = 1e-3 * maxChange + 4 * Math.ulp((float) maxAbs);
        String msg = String.format("%s vs the optimizer's LAMB after %d steps: max |diff| %.3g at element %d (tolerance %.3g; "
                + "max |change| %.3g, max |w| %.3g)", label, steps, maxDiff, worst, tolerance, maxChange, maxAbs);
        System.out.println(msg);
        if (!(maxDiff <= tolerance)) {
            throw new IllegalStateException(msg);
        }
        return state;
    }

}
