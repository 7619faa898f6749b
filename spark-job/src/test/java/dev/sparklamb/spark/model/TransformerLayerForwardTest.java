package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.model.transformer.LayerNormalization;
import dev.sparklamb.spark.model.transformer.MultiHeadSelfAttention;
import dev.sparklamb.spark.model.transformer.PositionEmbedding;
import dev.sparklamb.spark.model.transformer.TokenFeedForward;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * spark-lamb's transformer layers compute what their documentation says, against plain double-precision Java written
 * from the definitions (loops over examples, positions, features; nothing shared with the layers' code): each layer
 * sits between a sequence embedding and a softmax, every parameter is set to random values (biases and gains
 * included), and its activations for the embedding's activations are compared within 1e-10. The gradients are
 * {@code TransformerLayerGradientTest}'s.
 */
class TransformerLayerForwardTest extends DoublePrecisionTest {

    static final int EXAMPLES = 3;
    static final int LENGTH = 5;
    static final int SIZE = 6;

    /** The network (random parameters), the embedding's and the layer's activations {@code [examples, size, length]}. */
    record Run(ComputationGraph net, INDArray embedding, INDArray layer) {
        double[][] param(String name) {
            return net.getParam("mid_" + name).toDoubleMatrix();
        }
    }

    /** Runs {@code layer} on the embedding of random tokens, with {@code mask} (or none) as the feature mask. */
    static Run run(Layer layer, INDArray mask) {
        ComputationGraph net = SameDiffGradientTest.network(layer);
        Random r = new Random(5);
        for (INDArray a : net.paramTable().values()) {
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, r.nextGaussian() * 0.5);
            }
        }
        net.setLayerMaskArrays(mask == null ? null : new INDArray[] {mask}, null);
        Map<String, INDArray> acts = net.feedForward(new INDArray[] {SameDiffGradientTest.Data.of(EXAMPLES, LENGTH).x()}, false, false);
        net.clearLayerMaskArrays();
        return new Run(net, acts.get("emb"), acts.get("mid"));
    }

    /** Row vector of positions x features of example n: X[t][c]. */
    static double[][] positions(INDArray act, int n) {
        double[][] x = new double[LENGTH][SIZE];
        for (int t = 0; t < LENGTH; t++) {
            for (int c = 0; c < SIZE; c++) {
                x[t][c] = act.getDouble(n, c, t);
            }
        }
        return x;
    }

    static double[][] affine(double[][] x, double[][] w, double[][] b) {
        double[][] out = new double[x.length][w[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < w[0].length; j++) {
                double s = b[0][j];
                for (int k = 0; k < w.length; k++) {
                    s += x[i][k] * w[k][j];
                }
                out[i][j] = s;
            }
        }
        return out;
    }

    static void assertSame(INDArray actual, int n, double[][] expected) {
        for (int t = 0; t < LENGTH; t++) {
            for (int c = 0; c < SIZE; c++) {
                assertThat(actual.getDouble(n, c, t)).as("example %d position %d feature %d", n, t, c)
                        .isCloseTo(expected[t][c], org.assertj.core.data.Offset.offset(1e-10 * Math.max(1, Math.abs(expected[t][c]))));
            }
        }
    }

    @Test
    void multiHeadSelfAttentionExcludesPaddedKeys() {
        int heads = 2;
        int d = SIZE / heads;
        INDArray mask = SameDiffGradientTest.Data.of(EXAMPLES, LENGTH).featureMask();
        Run run = run(new MultiHeadSelfAttention(SIZE, heads, 0.5), mask);
        double[][][] w = new double[4][][];
        double[][][] b = new double[4][][];
        String[] names = {"q", "k", "v", "o"};
        for (int i = 0; i < 4; i++) {
            w[i] = run.param("W" + names[i]);
            b[i] = run.param("b" + names[i]);
        }
        for (int n = 0; n < EXAMPLES; n++) {
            double[][] xs = positions(run.embedding(), n);
            double[][] q = affine(xs, w[0], b[0]);
            double[][] k = affine(xs, w[1], b[1]);
            double[][] v = affine(xs, w[2], b[2]);
            double[][] merged = new double[LENGTH][SIZE];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < LENGTH; i++) {
                    double[] score = new double[LENGTH];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < LENGTH; j++) {
                        if (mask.getDouble(n, j) == 0) {
                            continue;
                        }
                        for (int c = h * d; c < (h + 1) * d; c++) {
                            score[j] += q[i][c] * k[j][c];
                        }
                        score[j] /= Math.sqrt(d);
                        max = Math.max(max, score[j]);
                    }
                    double sum = 0;
                    double[] weight = new double[LENGTH];
                    for (int j = 0; j < LENGTH; j++) {
                        weight[j] = mask.getDouble(n, j) == 0 ? 0 : Math.exp(score[j] - max);
                        sum += weight[j];
                    }
                    for (int j = 0; j < LENGTH; j++) {
                        for (int c = h * d; c < (h + 1) * d; c++) {
                            merged[i][c] += weight[j] / sum * v[j][c];
                        }
                    }
                }
            }
            assertSame(run.layer(), n, affine(merged, w[3], b[3]));
        }
    }

    @Test
    void layerNormalizationNormalizesEachPositionOverItsFeatures() {
        double epsilon = 1e-3;
        Run a = run(new LayerNormalization(SIZE, epsilon), null);
        double[] gain = a.param("gain")[0];
        double[] bias = a.param("bias")[0];
        for (int n = 0; n < EXAMPLES; n++) {
            double[][] x = positions(a.embedding(), n);
            double[][] expected = new double[LENGTH][SIZE];
            for (int t = 0; t < LENGTH; t++) {
                double mean = 0;
                for (double v : x[t]) {
                    mean += v / SIZE;
                }
                double var = 0;
                for (double v : x[t]) {
                    var += (v - mean) * (v - mean) / SIZE;
                }
                for (int c = 0; c < SIZE; c++) {
                    expected[t][c] = (x[t][c] - mean) / Math.sqrt(var + epsilon) * gain[c] + bias[c];
                }
            }
            assertSame(a.layer(), n, expected);
        }
    }

    @Test
    void positionEmbeddingAddsTheFirstRowsOfItsTable() {
        Run a = run(new PositionEmbedding(SIZE, 9, 0.5, "test.max-length"), null);
        double[][] table = a.param("P");
        for (int n = 0; n < EXAMPLES; n++) {
            double[][] x = positions(a.embedding(), n);
            for (int t = 0; t < LENGTH; t++) {
                for (int c = 0; c < SIZE; c++) {
                    x[t][c] += table[t][c];
                }
            }
            assertSame(a.layer(), n, x);
        }
    }

    @Test
    void feedForwardIsGeluOfAnAffineMapThenAnAffineMap() {
        Run a = run(new TokenFeedForward(SIZE, 4, 0.5), null);
        for (int n = 0; n < EXAMPLES; n++) {
            double[][] h = affine(positions(a.embedding(), n), a.param("W1"), a.param("b1"));
            for (double[] row : h) {
                for (int j = 0; j < row.length; j++) {
                    double v = row[j];
                    row[j] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                }
            }
            assertSame(a.layer(), n, affine(h, a.param("W2"), a.param("b2")));
        }
    }
}
