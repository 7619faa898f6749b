package dev.sparklamb.spark.model.dropout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Keyed dropout in real DL4J networks: the summed gradient of a global batch does not depend on how it is cut into
 * micro-batches, repeats bitwise, and evaluation applies no dropout.
 */
class KeyedDropoutNetworkTest {

    static final long SEED = 1234;
    static final long STEP = 3;
    static final long[] IDS = {101, 7, 55, 3, 900, 42};
    static final int IN = 5;
    static final int CLASSES = 3;

    /** MLP with inverted dropout (0.8) on the input of the first layer, Gaussian dropout, a DropoutLayer and noise. */
    static MultiLayerConfiguration mlp(DataType type) {
        return new NeuralNetConfiguration.Builder()
                .seed(11).dataType(type).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(8).activation(Activation.TANH).dropOut(0.8).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.SELU).dropOut(new GaussianDropout(0.3)).build())
                .layer(new DropoutLayer.Builder(new AlphaDropout(0.9)).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.SIGMOID).dropOut(new GaussianNoise(0.2)).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .dropOut(0.6).build())
                .setInputType(InputType.feedForward(IN))
                .build();
    }

    /** Small CNN with spatial dropout on a convolution's input and inverted dropout on the dense layer. */
    static MultiLayerConfiguration cnn(DataType type) {
        return new NeuralNetConfiguration.Builder()
                .seed(12).dataType(type).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(4).activation(Activation.TANH).dropOut(new SpatialDropout(0.5)).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).dropOut(0.7).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 4, 2))
                .build();
    }

    static MultiLayerNetwork network(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(KeyedDropouts.install(conf));
        net.init();
        return net;
    }

    static INDArray features(DataType type, long... shape) {
        Random r = new Random(5);
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, shape, 'c').castTo(type);
    }

    static INDArray labels(DataType type) {
        INDArray y = Nd4j.zeros(type, IDS.length, CLASSES);
        for (int i = 0; i < IDS.length; i++) {
            y.putScalar(i, (i * 2) % CLASSES, 1);
        }
        return y;
    }

    /** Gradient (as DL4J gives it: summed over the rows) of rows [from, to) with their example ids, in a context. */
    static double[] gradient(MultiLayerNetwork net, INDArray x, INDArray y, int from, int to, long step) {
        INDArray xs = x.get(NDArrayIndex.interval(from, to)).dup();
        INDArray ys = y.get(NDArrayIndex.interval(from, to)).dup();
        try (DropoutContext.Scope s = DropoutContext.open(SEED, step, Arrays.copyOfRange(IDS, from, to))) {
            net.setInput(xs);
            net.setLabels(ys);
            net.computeGradientAndScore();
        }
        return net.gradient().gradient().castTo(DataType.DOUBLE).dup().data().asDouble();
    }

    /** Sum of the gradients of consecutive micro-batches of the given sizes. */
    static double[] summed(MultiLayerNetwork net, INDArray x, INDArray y, int... sizes) {
        double[] sum = null;
        int from = 0;
        for (int size : sizes) {
            double[] g = gradient(net, x, y, from, from + size, STEP);
            if (sum == null) {
                sum = g;
            } else {
                for (int i = 0; i < g.length; i++) {
                    sum[i] += g[i];
                }
            }
            from += size;
        }
        assertThat(from).isEqualTo(IDS.length);
        return sum;
    }

    static double relativeDistance(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += a[i] * a[i];
        }
        return Math.sqrt(diff / norm);
    }

    static void assertIndependentOfMicroBatching(MultiLayerConfiguration conf, INDArray x, INDArray y, double tolerance) {
        MultiLayerNetwork net = network(conf);
        double[] whole = summed(net, x, y, 6);
        double[] twoFour = summed(net, x, y, 2, 4);
        double[] ones = summed(net, x, y, 1, 1, 1, 3);
        assertThat(relativeDistance(whole, twoFour)).as("micro-batches {2, 4} vs {6}").isLessThanOrEqualTo(tolerance);
        assertThat(relativeDistance(whole, ones)).as("micro-batches {1, 1, 1, 3} vs {6}").isLessThanOrEqualTo(tolerance);
        for (int i = 0; i < whole.length; i++) {
            double scale = tolerance * (Math.abs(whole[i]) + 1e-3 * Math.sqrt(Arrays.stream(whole).map(v -> v * v).sum() / whole.length));
            assertThat(twoFour[i]).as("gradient element %d, {2, 4}", i).isCloseTo(whole[i], org.assertj.core.api.Assertions.within(scale));
            assertThat(ones[i]).as("gradient element %d, {1, 1, 1, 3}", i).isCloseTo(whole[i], org.assertj.core.api.Assertions.within(scale));
        }
        // the masks matter: another step draws other masks and gives another gradient
        double[] otherStep = gradient(net, x, y, 0, 6, STEP + 1);
        assertThat(relativeDistance(whole, otherStep)).as("gradient at another step").isGreaterThan(1e-3);
    }

    @Test
    void mlpGradientSummedOverMicroBatchesEqualsTheWholeBatch() {
        assertIndependentOfMicroBatching(mlp(DataType.DOUBLE), features(DataType.DOUBLE, 6, IN), labels(DataType.DOUBLE), 1e-10);
        assertIndependentOfMicroBatching(mlp(DataType.FLOAT), features(DataType.FLOAT, 6, IN), labels(DataType.FLOAT), 1e-5);
    }

    @Test
    void cnnWithSpatialDropoutGradientSummedOverMicroBatchesEqualsTheWholeBatch() {
        assertIndependentOfMicroBatching(cnn(DataType.DOUBLE), features(DataType.DOUBLE, 6, 2, 5, 4), labels(DataType.DOUBLE), 1e-10);
    }

    @Test
    void trainingRepeatsBitwiseOnFreshNetworks() {
        INDArray x = features(DataType.FLOAT, 6, IN);
        INDArray y = labels(DataType.FLOAT);
        double[] first = summed(network(mlp(DataType.FLOAT)), x, y, 2, 4);
        double[] second = summed(network(mlp(DataType.FLOAT)), x, y, 2, 4);
        assertThat(second).containsExactly(first);
    }

    @Test
    void evaluationAppliesNoDropoutAndNeedsNoContext() {
        INDArray x = features(DataType.DOUBLE, 6, IN);
        MultiLayerNetwork keyed = network(mlp(DataType.DOUBLE));
        MultiLayerConfiguration plain = mlp(DataType.DOUBLE);
        for (int i = 0; i < plain.getConfs().size(); i++) {
            plain.getConf(i).getLayer().setIDropout(null);
        }
        MultiLayerNetwork reference = new MultiLayerNetwork(plain);
        reference.init(keyed.params().dup(), true);
        assertThat(DropoutContext.current()).isNull();
        INDArray out = keyed.output(x, false);
        assertThat(out.data().asDouble()).containsExactly(reference.output(x, false).data().asDouble());
        // while in training mode the same network needs a context, naming the first layer with dropout
        assertThatThrownBy(() -> keyed.output(x, true)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("layer 0").hasMessageContaining("no DropoutContext is open");
        // and with one, training-mode output differs from evaluation
        try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
            assertThat(keyed.output(x, true).data().asDouble()).isNotEqualTo(out.data().asDouble());
        }
    }

    /** LSTM (both directions of a bidirectional layer) with dropout on its 3-d input, per-time-step output. */
    static MultiLayerConfiguration rnn(DataType type) {
        return new NeuralNetConfiguration.Builder()
                .seed(13).dataType(type).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new Bidirectional(new LSTM.Builder().nOut(4).activation(Activation.TANH).dropOut(0.7).build()))
                .layer(new LSTM.Builder().nOut(3).activation(Activation.TANH).dropOut(new GaussianDropout(0.2)).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(IN, 4))
                .build();
    }

    @Test
    void recurrentGradientSummedOverMicroBatchesEqualsTheWholeBatch() {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, IDS.length, CLASSES, 4);
        for (int i = 0; i < IDS.length; i++) {
            for (int t = 0; t < 4; t++) {
                y.putScalar(new int[] {i, (i + t) % CLASSES, t}, 1);
            }
        }
        assertIndependentOfMicroBatching(rnn(DataType.DOUBLE), features(DataType.DOUBLE, 6, IN, 4), y, 1e-10);
    }

    @Test
    void graphGradientSummedOverMicroBatchesEqualsTheWholeBatch() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(14).dataType(DataType.DOUBLE).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("left", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).dropOut(0.8).build(), "in")
                .addLayer("right", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).dropOut(0.8).build(), "in")
                .addVertex("merge", new MergeVertex(), "left", "right")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .dropOut(new AlphaDropout(0.9)).build(), "merge")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(IN))
                .build();
        ComputationGraph graph = new ComputationGraph(KeyedDropouts.install(conf));
        graph.init();
        INDArray x = features(DataType.DOUBLE, 6, IN);
        INDArray y = labels(DataType.DOUBLE);
        double[][] parts = new double[3][];
        int[][] splits = {{6}, {2, 4}, {1, 1, 1, 3}};
        for (int k = 0; k < 3; k++) {
            int from = 0;
            for (int size : splits[k]) {
                try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, Arrays.copyOfRange(IDS, from, from + size))) {
                    graph.setInputs(x.get(NDArrayIndex.interval(from, from + size)).dup());
                    graph.setLabels(y.get(NDArrayIndex.interval(from, from + size)).dup());
                    graph.computeGradientAndScore();
                }
                double[] g = graph.gradient().gradient().dup().data().asDouble();
                if (parts[k] == null) {
                    parts[k] = g;
                } else {
                    for (int i = 0; i < g.length; i++) {
                        parts[k][i] += g[i];
                    }
                }
                from += size;
            }
        }
        assertThat(relativeDistance(parts[0], parts[1])).as("graph, {2, 4} vs {6}").isLessThanOrEqualTo(1e-10);
        assertThat(relativeDistance(parts[0], parts[2])).as("graph, {1, 1, 1, 3} vs {6}").isLessThanOrEqualTo(1e-10);
    }

    @Test
    void aLayerThatSeesSeveralRowsPerExampleIsRefusedNotSilentlyMisKeyed() {
        // RnnOutputLayer applies its dropout after reshaping [examples, size, time] to [examples * time, size]
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(15).dataType(DataType.DOUBLE).updater(new NoOp())
                .list()
                .layer(new LSTM.Builder().nOut(3).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).dropOut(0.5).build())
                .setInputType(InputType.recurrent(IN, 4))
                .build();
        MultiLayerNetwork net = network(conf);
        net.setInput(features(DataType.DOUBLE, 6, IN, 4));
        net.setLabels(Nd4j.zeros(DataType.DOUBLE, 6, 2, 4));
        assertThatThrownBy(() -> {
            try (DropoutContext.Scope s = DropoutContext.open(SEED, STEP, IDS)) {
                net.computeGradientAndScore();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("layer 1").hasMessageContaining("one activation row per example");
    }
}
