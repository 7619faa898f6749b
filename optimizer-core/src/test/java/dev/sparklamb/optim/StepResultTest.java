package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The summaries a step reports. */
class StepResultTest {

    private static StepResult withRatios(double... ratios) {
        double[] nan = new double[ratios.length];
        Arrays.fill(nan, Double.NaN);
        Object[] layoutArgs = new Object[2 * ratios.length];
        for (int i = 0; i < ratios.length; i++) {
            layoutArgs[2 * i] = "t" + i;
            layoutArgs[2 * i + 1] = new long[] {1};
        }
        return new StepResult(1, 1e-3, 1, 1, TensorLayout.of(layoutArgs), ratios, nan, nan);
    }

    @Test
    void trustRatioSummaries() {
        StepResult r = withRatios(0.5, 2.0, 0.1, 2.0, 1.0);
        assertThat(r.minTrustRatioTensor()).isEqualTo(2);
        assertThat(r.maxTrustRatioTensor()).isEqualTo(1); // first on ties
        assertThat(r.medianTrustRatio()).isEqualTo(1.0);
        assertThat(withRatios(4, 1, 3, 2).medianTrustRatio()).isEqualTo(2.5);
        assertThat(withRatios(7).medianTrustRatio()).isEqualTo(7);
    }

    @Test
    void optimizersWithoutLayerAdaptationReportRatioOneAndTheGradientNorm() {
        for (OptimizerConfig c : new OptimizerConfig[] {AdamWConfig.defaults(), AdamConfig.defaults()}) {
            Map<String, INDArray> p = new LinkedHashMap<>();
            p.put("w", Nd4j.create(new float[] {1, 2, 3}, new long[] {3}, 'c'));
            Map<String, INDArray> g = new LinkedHashMap<>();
            g.put("w", Nd4j.create(new float[] {1, 1, 1}, new long[] {3}, 'c'));
            NamedTensors params = NamedTensors.of(p);
            Optimizer o = c.create();
            StepResult r = o.step(params, NamedTensors.of(g), 2.0, o.init(params.layout()));
            assertThat(r.trustRatios()).as(c.name()).containsExactly(1.0);
            assertThat(r.gradientNorm()).as(c.name()).isCloseTo(2 * Math.sqrt(3), within(1e-12));
            assertThat(r.clipScale()).as(c.name()).isEqualTo(1.0);
        }
    }
}
