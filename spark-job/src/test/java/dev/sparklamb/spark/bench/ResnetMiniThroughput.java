package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ResidualNetwork;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Single-process forward+backward throughput ({@code ComputationGraph.computeGradientAndScore}, examples/s) of
 * {@link ResidualNetwork} candidates on one 256-example float batch of 28x28x1 inputs, to size the
 * {@code resnet-mini} preset. Also times one BatchNormalization layer against one conv3x3 on the largest activation
 * the stem produces, to show what BatchNormalization costs on the CPU. Prints the preset's parameter names.
 *
 * <p>Arguments: candidates as {@code C1,C2,C3xBLOCKSsSTEMSTRIDE} (default
 * {@code 4,8,16x1s2 6,12,24x1s2 8,16,32x1s2 8,16,32x2s2 8,16,32x1s1 16,32,64x1s2}).
 * Set {@code OMP_NUM_THREADS} for the thread count ND4J uses. See docs/benchmarks.md for the command.
 */
public final class ResnetMiniThroughput {

    static final int BATCH = 256;
    static final int WARMUP = 3;
    static final int TIMED = 8;

    private ResnetMiniThroughput() {
    }

    public static void main(String[] args) {
        List<String> candidates = args.length > 0 ? List.of(args)
                : List.of("4,8,16x1s2", "6,12,24x1s2", "8,16,32x1s2", "8,16,32x2s2", "8,16,32x1s1", "16,32,64x1s2");
        ModelSettings s = new ModelSettings("resnet-mini", "", 28, 28, 1, 10);
        System.out.printf("OMP_NUM_THREADS=%s, batch %d, %d warm-up + %d timed iterations%n",
                System.getenv("OMP_NUM_THREADS"), BATCH, WARMUP, TIMED);
        ComputationGraph preset = new ComputationGraph(ModelFactory.resnetMini(s, 1));
        preset.init();
        System.out.println("resnet-mini parameters (" + preset.numParams() + "): " + preset.paramTable().keySet());
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, s.inputSize());
        INDArray y = oneHot(BATCH, s.classes());
        for (String c : candidates) {
            String[] parts = c.split("[xs]");
            int[] channels = Arrays.stream(parts[0].split(",")).mapToInt(Integer::parseInt).toArray();
            int blocks = Integer.parseInt(parts[1]);
            int stemStride = Integer.parseInt(parts[2]);
            ComputationGraph g = new ComputationGraph(ResidualNetwork.build(s, 1, channels, blocks, stemStride));
            g.init();
            System.out.printf("RESNET channels %-10s blocks/stage %d stem stride %d params %7d: %s%n", parts[0], blocks, stemStride,
                    g.numParams(), rate(g, x, y));
        }
        int ch = 16;
        INDArray act = Nd4j.rand(DataType.FLOAT, BATCH, ch, 28, 28);
        System.out.printf("LAYER BatchNormalization on [%d,%d,28,28] (+avg pool, softmax): %s%n", BATCH, ch,
                rate(single(new BatchNormalization.Builder().build(), ch), act, y));
        System.out.printf("LAYER conv3x3 %d->%d on [%d,%d,28,28] (+avg pool, softmax): %s%n", ch, ch, BATCH, ch,
                rate(single(new ConvolutionLayer.Builder(3, 3).nOut(ch).hasBias(false).activation(Activation.IDENTITY).build(), ch), act, y));
    }

    /** "N examples/s (ms per batch: min/median/max)" over {@link #TIMED} iterations after {@link #WARMUP}. */
    static String rate(ComputationGraph g, INDArray x, INDArray y) {
        g.setInputs(x);
        g.setLabels(y);
        for (int i = 0; i < WARMUP; i++) {
            g.computeGradientAndScore();
        }
        double[] ms = new double[TIMED];
        for (int i = 0; i < TIMED; i++) {
            long t0 = System.nanoTime();
            g.computeGradientAndScore();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double median = (ms[TIMED / 2 - 1] + ms[TIMED / 2]) / 2;
        return String.format("%6.0f examples/s (ms per batch: min %.0f, median %.0f, max %.0f)", BATCH / (median / 1000),
                ms[0], median, ms[TIMED - 1]);
    }

    /** input [BATCH, channels, 28, 28] - layer - global average pooling - softmax output. */
    static ComputationGraph single(Layer layer, int channels) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new NoOp()).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(28, 28, channels))
                .addLayer("layer", layer, "input")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "layer")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static INDArray oneHot(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1f);
        }
        return y;
    }
}
