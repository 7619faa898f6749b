package dev.sparklamb.spark.model.dropout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each keyed dropout's forward and backward pass against a plain double-precision reference computed here from the
 * generator's values and the documented formula; masks per example independent of the other rows; missing context
 * refused.
 */
class KeyedDropoutFormulaTest {

    static final long SEED = 20240611L;
    static final long STEP = 17;
    static final long KEY = KeyedDropouts.layerKey(3, 1);
    static final long[] IDS = {905, 3, 77, 12_000_000_001L};
    static final LayerWorkspaceMgr NO_WS = LayerWorkspaceMgr.noWorkspaces();

    /** Random activations of the given shape (row count = IDS.length), double precision. */
    static INDArray activations(long... shape) {
        Random r = new Random(7);
        INDArray x = Nd4j.create(DataType.DOUBLE, shape);
        double[] v = new double[(int) x.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * 2;
        }
        return Nd4j.create(v, shape, 'c');
    }

    interface Reference {
        /** Expected {output, d input / d output} at element e (flat within the example) of example id, input x. */
        double[] at(long id, long e, double x);
    }

    /** Runs forward and backward (gradient at output = 1 + element value / 10) and compares with {@code ref}. */
    static void check(KeyedNoise dropout, INDArray x, Reference ref) {
        long perRow = x.length() / x.size(0);
        INDArray out = Nd4j.create(DataType.DOUBLE, x.shape());
        INDArray gradOut = x.dup().divi(10).addi(1);
        INDArray gradIn = Nd4j.create(DataType.DOUBLE, x.shape());
        try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
            dropout.applyDropout(x, out, 0, 0, NO_WS);
        }
        dropout.backprop(gradOut, gradIn, 0, 0);
        double[] xs = x.data().asDouble();
        double[] os = out.data().asDouble();
        double[] gs = gradIn.data().asDouble();
        double[] go = gradOut.data().asDouble();
        for (int i = 0; i < xs.length; i++) {
            long id = IDS[(int) (i / perRow)];
            double[] expected = ref.at(id, i % perRow, xs[i]);
            assertThat(os[i]).as("%s output at flat %d", dropout, i).isCloseTo(expected[0], within(1e-12 * (1 + Math.abs(expected[0]))));
            assertThat(gs[i]).as("%s gradient at flat %d", dropout, i).isCloseTo(go[i] * expected[1], within(1e-12 * (1 + Math.abs(go[i] * expected[1]))));
        }
        if (!(dropout instanceof KeyedGaussianNoise)) { // additive noise keeps no state for backprop
            assertThatThrownBy(() -> dropout.backprop(gradOut, gradIn, 0, 0))
                    .as("the mask is released after backprop, as DL4J does").isInstanceOf(IllegalStateException.class);
        }
    }

    static double u(long id, long e) {
        return CounterRandom.uniform(SEED, STEP, id, KEY, e);
    }

    static double z(long id, long e) {
        return CounterRandom.normal(SEED, STEP, id, KEY, e);
    }

    @Test
    void dropoutIsInvertedBernoulliWithRetainProbabilityP() {
        double p = 0.7;
        int[] kept = new int[2];
        check(new KeyedDropout(p, KEY, "test layer"), activations(4, 3, 5), (id, e, x) -> {
            boolean keep = u(id, e) < p;
            kept[keep ? 1 : 0]++;
            return new double[] {keep ? x / p : 0, keep ? 1 / p : 0};
        });
        assertThat(kept[0]).as("dropped elements").isPositive();
        assertThat(kept[1]).as("kept elements").isPositive();
    }

    @Test
    void gaussianDropoutMultipliesByOnePlusScaledNormal() {
        double rate = 0.3;
        double sd = Math.sqrt(rate / (1 - rate));
        check(new KeyedGaussianDropout(rate, KEY, "test layer"), activations(4, 11), (id, e, x) -> {
            double n = 1 + sd * z(id, e);
            return new double[] {x * n, n};
        });
    }

    @Test
    void gaussianNoiseAddsScaledNormalAndPassesGradientThrough() {
        double sd = 0.25;
        check(new KeyedGaussianNoise(sd, KEY, "test layer"), activations(4, 2, 3), (id, e, x) -> new double[] {x + sd * z(id, e), 1});
    }

    @Test
    void alphaDropoutIsTheSeluPreservingAffineFormula() {
        double p = 0.85;
        double alpha = 1.6732632423543772;
        double lambda = 1.0507009873554805;
        double ap = -lambda * alpha;
        double a = Math.pow(p + ap * ap * p * (1 - p), -0.5);
        double b = -a * (1 - p) * ap;
        check(new KeyedAlphaDropout(p, alpha, lambda, KEY, "test layer"), activations(4, 9), (id, e, x) -> {
            boolean keep = u(id, e) < p;
            return new double[] {keep ? a * x + b : a * ap + b, keep ? a : 0};
        });
        // the point of a and b: for standard-normal inputs, zero mean and unit variance are kept (Klambauer et al. 2017)
        double mean = p * 0 + (1 - p) * ap;
        double second = p * 1 + (1 - p) * ap * ap;
        assertThat(a * mean + b).isCloseTo(0, within(1e-12));
        assertThat(a * a * (second - mean * mean)).isCloseTo(1, within(1e-12));
    }

    @Test
    void spatialDropoutDrawsOneMaskValuePerExampleAndChannel() {
        double p = 0.6;
        long channels = 5;
        long spatial = 3 * 2;
        check(new KeyedSpatialDropout(p, KEY, "test layer"), activations(4, channels, 3, 2), (id, e, x) -> {
            boolean keep = u(id, e / spatial) < p;
            return new double[] {keep ? x / p : 0, keep ? 1 / p : 0};
        });
        check(new KeyedSpatialDropout(p, KEY, "test layer"), activations(4, channels, 7), (id, e, x) -> {
            boolean keep = u(id, e / 7) < p;
            return new double[] {keep ? x / p : 0, keep ? 1 / p : 0};
        });
        assertThatThrownBy(() -> {
            try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
                new KeyedSpatialDropout(p, KEY, "layer 4").applyDropout(activations(4, 6), Nd4j.create(DataType.DOUBLE, 4, 6), 0, 0, NO_WS);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 4").hasMessageContaining("rank 3, 4 or 5");
    }

    @Test
    void floatActivationsGetTheSameMaskRoundedToFloat() {
        double p = 0.8;
        INDArray xd = activations(4, 6);
        INDArray xf = xd.castTo(DataType.FLOAT);
        INDArray of = Nd4j.create(DataType.FLOAT, 4, 6);
        try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
            new KeyedDropout(p, KEY, "test layer").applyDropout(xf, of, 0, 0, NO_WS);
        }
        for (int r = 0; r < 4; r++) {
            for (int e = 0; e < 6; e++) {
                double expected = u(IDS[r], e) < p ? xf.getDouble(r, e) / p : 0;
                assertThat(of.getDouble(r, e)).isCloseTo(expected, within(1e-6 * (1 + Math.abs(expected))));
            }
        }
    }

    @Test
    void anExamplesMaskDoesNotDependOnTheOtherRows() {
        KeyedDropout d = new KeyedDropout(0.5, KEY, "test layer");
        INDArray all = activations(4, 40);
        INDArray outAll = Nd4j.create(DataType.DOUBLE, 4, 40);
        try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
            d.applyDropout(all, outAll, 0, 0, NO_WS);
        }
        for (int r = 0; r < 4; r++) {
            INDArray one = all.getRow(r, true).dup();
            INDArray outOne = Nd4j.create(DataType.DOUBLE, 1, 40);
            try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, new long[] {IDS[r]})) {
                d.applyDropout(one, outOne, 0, 0, NO_WS);
            }
            assertThat(outOne.data().asDouble()).as("row %d alone", r).containsExactly(outAll.getRow(r, true).dup().data().asDouble());
        }
    }

    @Test
    void trainingWithoutAnOpenContextIsRefusedNamingTheLayer() {
        KeyedNoise[] all = {new KeyedDropout(0.5, KEY, "layer 3 ('hidden')"), new KeyedGaussianDropout(0.5, KEY, "layer 3 ('hidden')"),
            new KeyedGaussianNoise(0.5, KEY, "layer 3 ('hidden')"), new KeyedAlphaDropout(0.5, 1.67, 1.05, KEY, "layer 3 ('hidden')"),
            new KeyedSpatialDropout(0.5, KEY, "layer 3 ('hidden')")};
        for (KeyedNoise d : all) {
            assertThatThrownBy(() -> d.applyDropout(activations(4, 2, 3), Nd4j.create(DataType.DOUBLE, 4, 2, 3), 0, 0, NO_WS))
                    .as("%s", d).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layer 3 ('hidden')").hasMessageContaining("no DropoutContext is open");
        }
        assertThatThrownBy(() -> {
            try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, new long[] {1, 2})) {
                all[0].applyDropout(activations(4, 2, 3), Nd4j.create(DataType.DOUBLE, 4, 2, 3), 0, 0, NO_WS);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("layer 3 ('hidden')").hasMessageContaining("2 example ids")
                .hasMessageContaining("[4, 2, 3]");
        assertThat(DropoutContext.current()).as("scopes closed by try-with-resources").isNull();
    }

    @Test
    void contextsDoNotNest() {
        try (DropoutContext.Scope s = DropoutContext.open(1, 2, new long[] {3})) {
            assertThatThrownBy(() -> DropoutContext.open(1, 3, new long[] {4})).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open");
            assertThat(DropoutContext.current()).isEqualTo(s.keys());
        }
        assertThat(DropoutContext.current()).isNull();
    }

    @Test
    void retainProbabilityOutsideZeroOneIsRefused() {
        assertThatThrownBy(() -> new KeyedDropout(0, KEY, "layer 2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 2").hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new KeyedGaussianDropout(1, KEY, "layer 2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(0, 1)");
    }
}
