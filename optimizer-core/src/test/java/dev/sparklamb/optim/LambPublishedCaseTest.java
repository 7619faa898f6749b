package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The worked case of the TF Addons LAMB reference semantics (bias correction inside, ratio 1 at zero norms), float64 numbers:
 * defaults, {@code w0 = [1, 2]} with {@code g = [0.1, 0.1]} each step, {@code w1 = [3, 4]} with {@code g = [0.01, 0.01]}.
 */
class LambPublishedCaseTest {

    private static final double[] W0_FIRST = {0.99841886117, 0.996839222261, 0.995261081691};
    private static final double[] W1_AFTER_STEP_1 = {2.996464466094, 3.996464466094};
    /** float32 holds 2.0 and its neighbours to 1.2e-7; three rounded steps stay well within 1e-6. */
    private static final double FLOAT_TOLERANCE = 1e-6;

    @Test
    void float32LambReproducesThePublishedNumbers() {
        NamedTensors params = tensors(new float[] {1, 2}, new float[] {3, 4});
        NamedTensors grads = tensors(new float[] {0.1f, 0.1f}, new float[] {0.01f, 0.01f});
        Optimizer lamb = LambConfig.defaults().create();
        OptimizerState state = lamb.init(params.layout());

        for (int step = 0; step < 3; step++) {
            lamb.step(params, grads, state);
            float[] w0 = params.get("w0").toFloatVector();
            double moved = 1 - W0_FIRST[step];
            assertThat((double) w0[0]).as("w0[0] after step %d", step + 1).isCloseTo(W0_FIRST[step], within(FLOAT_TOLERANCE));
            assertThat((double) w0[1]).as("w0[1] after step %d", step + 1).isCloseTo(2 - moved, within(FLOAT_TOLERANCE));
            if (step == 0) {
                float[] w1 = params.get("w1").toFloatVector();
                assertThat((double) w1[0]).isCloseTo(W1_AFTER_STEP_1[0], within(FLOAT_TOLERANCE));
                assertThat((double) w1[1]).isCloseTo(W1_AFTER_STEP_1[1], within(FLOAT_TOLERANCE));
            }
        }
        assertThat(state.step()).isEqualTo(3);
    }

    /** The test oracle itself reproduces the published float64 numbers to their 12 digits. */
    @Test
    void doubleReferenceReproducesThePublishedNumbers() {
        ReferenceOptimizer ref = ReferenceOptimizer.of(LambConfig.defaults(), new String[] {"w0", "w1"},
                new float[][] {{1, 2}, {3, 4}});
        float[][] g = {{0.1f, 0.1f}, {0.01f, 0.01f}};
        // The published case uses g = 0.1 exactly; 0.1f differs by 1.5e-9 relative, which moves the result by far less
        // than 1e-11 (u = m^/(sqrt(v^) + eps) is scale-free up to eps).
        for (int step = 0; step < 3; step++) {
            ref.step(g, 1.0);
            assertThat(ref.w[0][0]).isCloseTo(W0_FIRST[step], within(1e-11));
            assertThat(ref.w[0][1]).isCloseTo(2 - (1 - W0_FIRST[step]), within(1e-11));
            if (step == 0) {
                assertThat(ref.w[1][0]).isCloseTo(W1_AFTER_STEP_1[0], within(1e-11));
                assertThat(ref.w[1][1]).isCloseTo(W1_AFTER_STEP_1[1], within(1e-11));
            }
        }
    }

    private static NamedTensors tensors(float[] w0, float[] w1) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w0", Nd4j.create(w0, new long[] {2}, 'c'));
        m.put("w1", Nd4j.create(w1, new long[] {2}, 'c'));
        return NamedTensors.of(m);
    }
}
