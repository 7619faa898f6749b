package dev.sparklamb.spark.model;

import dev.sparklamb.spark.config.ModelSettings;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small residual network in the style of He et al. 2016, "Deep Residual Learning for Image Recognition" (the
 * ResNet-50 workload of the LAMB paper, scaled down for 28x28 images), as a DL4J ComputationGraph:
 * <ul>
 *   <li>stem: conv3x3 with stride {@code stemStride} - BatchNormalization - ReLU, with the first stage's channels
 *       (ResNet's stem also reduces the resolution before the first stage);</li>
 *   <li>stages {@code i = 0, 1, ...} of {@code blocksPerStage} basic blocks each with {@code channels[i]} channels;
 *       every stage after the first halves the height and width in its first block (stride 2);</li>
 *   <li>block: conv3x3 - BN - ReLU - conv3x3 - BN, added ({@link ElementWiseVertex.Op#Add}) to the shortcut, then
 *       ReLU. The shortcut is the block's input, or, where the channels or the stride change, a 1x1 strided conv - BN
 *       projection;</li>
 *   <li>global average pooling and a softmax output layer (MCXENT) with {@code classes} outputs.</li>
 * </ul>
 * Convolutions have no bias (the BatchNormalization after each has beta) and He (RELU) initialisation; padding is
 * "same". No dropout or l1/l2: spark-lamb's optimizer does the update and the weight decay. The input is given
 * flattened (height * width * channels values per example).
 *
 * <p>Vertex names, so that parameter names ({@code <vertex>_<param>}) can be matched by regexes:
 * {@code stem_conv, stem_bn, stem_relu}; block {@code j} of stage {@code i} is {@code s<i>b<j>_} followed by
 * {@code conv1, bn1, relu1, conv2, bn2}, {@code proj, proj_bn} (projection shortcut only), {@code add, relu};
 * then {@code pool} and {@code out}.
 */
public final class ResidualNetwork {

    private ResidualNetwork() {
    }

    /**
     * @param channels       channels of each stage (at least one stage)
     * @param blocksPerStage residual blocks per stage (at least one)
     * @param stemStride     stride of the stem convolution (1: the first stage sees the full resolution)
     */
    public static ComputationGraphConfiguration build(ModelSettings s, long seed, int[] channels, int blocksPerStage,
            int stemStride) {
        if (channels.length == 0 || blocksPerStage < 1 || stemStride < 1) {
            throw new IllegalArgumentException("a residual network needs at least one stage of at least one block and a stem "
                    + "stride of at least 1");
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(s.inputHeight(), s.inputWidth(), s.inputChannels()));
        String last = convBnRelu(g, "stem_conv", "stem_bn", "stem_relu", "input", channels[0], 3, stemStride);
        int inChannels = channels[0];
        for (int stage = 0; stage < channels.length; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                last = block(g, "s" + stage + "b" + block + "_", last, inChannels, channels[stage], stride);
                inChannels = channels[stage];
            }
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(s.classes())
                        .weightInit(WeightInit.XAVIER).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        return g.build();
    }

    /** One basic block; returns the name of its output vertex. */
    private static String block(ComputationGraphConfiguration.GraphBuilder g, String p, String in, int inChannels,
            int outChannels, int stride) {
        String relu1 = convBnRelu(g, p + "conv1", p + "bn1", p + "relu1", in, outChannels, 3, stride);
        String bn2 = convBn(g, p + "conv2", p + "bn2", relu1, outChannels, 3, 1);
        String shortcut = in;
        if (inChannels != outChannels || stride != 1) {
            shortcut = convBn(g, p + "proj", p + "proj_bn", in, outChannels, 1, stride);
        }
        g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), bn2, shortcut)
                .addLayer(p + "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "add");
        return p + "relu";
    }

    private static String convBnRelu(ComputationGraphConfiguration.GraphBuilder g, String conv, String bn, String relu,
            String in, int channels, int kernel, int stride) {
        g.addLayer(relu, new ActivationLayer.Builder().activation(Activation.RELU).build(),
                convBn(g, conv, bn, in, channels, kernel, stride));
        return relu;
    }

    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String conv, String bn, String in,
            int channels, int kernel, int stride) {
        g.addLayer(conv, new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(channels)
                        .hasBias(false).activation(Activation.IDENTITY).build(), in)
                .addLayer(bn, new BatchNormalization.Builder().build(), conv);
        return bn;
    }
}
