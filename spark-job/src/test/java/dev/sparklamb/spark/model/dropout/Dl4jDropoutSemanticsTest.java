package dev.sparklamb.spark.model.dropout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The formulas the keyed dropouts implement are DL4J 1.0.0-M2's: DL4J's own dropouts (random masks from ND4J) are run
 * here and their outputs and gradients are checked against the keyed classes' formulas with the mask read back from
 * the output, and their statistics against the distributions the keyed classes draw from (fixed ND4J seed).
 */
class Dl4jDropoutSemanticsTest {

    static final int ROWS = 200;
    static final int COLS = 100;
    static final LayerWorkspaceMgr NO_WS = LayerWorkspaceMgr.noWorkspaces();

    INDArray x;
    double[] xs;

    @BeforeEach
    void inputs() {
        Nd4j.getRandom().setSeed(4242);
        Random r = new Random(9);
        xs = new double[ROWS * COLS];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 0.5 + r.nextDouble() * 2 * (r.nextBoolean() ? 1 : -1); // |x| >= 0.5: ratios well defined
        }
        x = Nd4j.create(xs, new long[] {ROWS, COLS}, 'c');
    }

    /** DL4J's forward output and gradient at input for gradient at output = 1, as double arrays. */
    double[][] run(IDropout dl4j, INDArray input) {
        INDArray out = Nd4j.create(DataType.DOUBLE, input.shape());
        INDArray gradIn = Nd4j.create(DataType.DOUBLE, input.shape());
        dl4j.applyDropout(input, out, 0, 0, NO_WS);
        dl4j.backprop(Nd4j.ones(DataType.DOUBLE, input.shape()), gradIn, 0, 0);
        return new double[][] {out.data().asDouble(), gradIn.data().asDouble()};
    }

    static void assertFractionNear(long count, long n, double p, String what) {
        double sd = Math.sqrt(n * p * (1 - p));
        assertThat((double) count).as(what).isBetween(n * p - 5 * sd, n * p + 5 * sd);
    }

    @Test
    void dl4jDropoutRetainsWithProbabilityPAndScalesByOneOverP() {
        double p = 0.8;
        double[][] r = run(new Dropout(p), x);
        long kept = 0;
        for (int i = 0; i < xs.length; i++) {
            boolean keep = r[0][i] != 0;
            kept += keep ? 1 : 0;
            assertThat(r[0][i]).isCloseTo(keep ? xs[i] / p : 0, within(1e-12));
            assertThat(r[1][i]).isCloseTo(keep ? 1 / p : 0, within(1e-12));
        }
        assertFractionNear(kept, xs.length, p, "DL4J Dropout(0.8) kept elements: p is the retain probability");
    }

    @Test
    void dl4jAlphaDropoutIsTheAffineFormulaOfKeyedAlphaDropout() {
        double p = 0.7;
        AlphaDropout dl4j = new AlphaDropout(p);
        KeyedAlphaDropout keyed = (KeyedAlphaDropout) KeyedDropouts.keyed(dl4j, 0, "layer 0");
        assertThat(keyed.getAlpha()).isEqualTo(AlphaDropout.DEFAULT_ALPHA);
        assertThat(keyed.getLambda()).isEqualTo(AlphaDropout.DEFAULT_LAMBDA);
        assertThat(keyed.a()).isCloseTo(dl4j.a(p), within(1e-15));
        assertThat(keyed.b()).isCloseTo(dl4j.b(p), within(1e-15));
        double a = keyed.a();
        double b = keyed.b();
        double[][] r = run(dl4j, x);
        long kept = 0;
        for (int i = 0; i < xs.length; i++) {
            double ifKept = a * xs[i] + b;
            double ifDropped = a * keyed.alphaPrime() + b;
            boolean keep = Math.abs(r[0][i] - ifKept) < 1e-9;
            kept += keep ? 1 : 0;
            assertThat(r[0][i]).as("element %d", i).isCloseTo(keep ? ifKept : ifDropped, within(1e-9));
            assertThat(r[1][i]).as("gradient %d", i).isCloseTo(keep ? a : 0, within(1e-12));
        }
        assertFractionNear(kept, xs.length, p, "DL4J AlphaDropout(0.7) kept elements");
    }

    @Test
    void dl4jGaussianDropoutMultipliesByNoiseOfMeanOneAndStddevSqrtRateOverOneMinusRate() {
        double rate = 0.4;
        double[][] r = run(new GaussianDropout(rate), x);
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < xs.length; i++) {
            double n = r[0][i] / xs[i];
            assertThat(r[1][i]).as("gradient is the same noise").isCloseTo(n, within(1e-9));
            sum += n;
            sumSq += n * n;
        }
        int count = xs.length;
        double sd = Math.sqrt(rate / (1 - rate));
        assertThat(sum / count).isCloseTo(1, within(5 * sd / Math.sqrt(count)));
        assertThat(Math.sqrt(sumSq / count - Math.pow(sum / count, 2))).isCloseTo(sd, within(5 * sd / Math.sqrt(2.0 * count)));
        assertThat(new KeyedGaussianDropout(rate, 0, "l").stddev()).isEqualTo(sd);
    }

    @Test
    void dl4jGaussianNoiseAddsNoiseOfTheGivenStddevAndPassesGradientsThrough() {
        double stddev = 0.3;
        double[][] r = run(new GaussianNoise(stddev), x);
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < xs.length; i++) {
            double n = r[0][i] - xs[i];
            assertThat(r[1][i]).isEqualTo(1.0);
            sum += n;
            sumSq += n * n;
        }
        int count = xs.length;
        assertThat(sum / count).isCloseTo(0, within(5 * stddev / Math.sqrt(count)));
        assertThat(Math.sqrt(sumSq / count - Math.pow(sum / count, 2))).isCloseTo(stddev, within(5 * stddev / Math.sqrt(2.0 * count)));
    }

    @Test
    void dl4jSpatialDropoutDrawsOneInvertedMaskValuePerExampleAndChannelOnDimensionOne() {
        double p = 0.6;
        INDArray x4 = x.reshape('c', ROWS, 10, 5, 2);
        double[][] r = run(new SpatialDropout(p), x4);
        long kept = 0;
        for (int ex = 0; ex < ROWS; ex++) {
            for (int c = 0; c < 10; c++) {
                int first = (ex * 10 + c) * 10;
                boolean keep = r[0][first] != 0;
                kept += keep ? 1 : 0;
                for (int k = first; k < first + 10; k++) {
                    assertThat(r[0][k]).as("example %d channel %d", ex, c).isCloseTo(keep ? xs[k] / p : 0, within(1e-12));
                    assertThat(r[1][k]).isCloseTo(keep ? 1 / p : 0, within(1e-12));
                }
            }
        }
        assertFractionNear(kept, ROWS * 10, p, "DL4J SpatialDropout(0.6) kept channels");
    }
}
