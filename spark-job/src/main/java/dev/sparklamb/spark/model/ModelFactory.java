package dev.sparklamb.spark.model;

import dev.sparklamb.spark.io.HadoopFiles;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.model.transformer.BertNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks a run can train: the built-in presets, or any DL4J configuration JSON. DL4J's own updater is set to
 * {@link NoOp}: the optimizer is optimizer-core's, applied by the trainer. Whether every layer can be trained exactly is
 * {@link NetworkCheck}'s decision, made on the built network.
 */
public final class ModelFactory {

    private ModelFactory() {
    }

    public static ModelSpec spec(ModelSettings settings, long seed, Configuration hadoop) {
        if (!settings.configFile().isEmpty()) {
            return fromFile(settings.configFile(), hadoop);
        }
        return switch (settings.preset()) {
            case MLP -> ModelSpec.of(mlp(settings, seed), "mlp");
            case LENET -> ModelSpec.of(lenet(settings, seed), "lenet");
            case RESNET_MINI -> ModelSpec.of(resnetMini(settings, seed), "resnet-mini");
            case BERT_MINI -> ModelSpec.of(bertMini(settings, seed), "bert-mini");
        };
    }

    /**
     * Checks on the driver, before anything is written, that the network takes {@code settings.inputSize()} features
     * per example and has {@code settings.classes()} outputs, with one forward pass on a zero example.
     */
    public static void requireFits(Replica replica, ModelSettings settings, String modelName) {
        if (settings.configFile().isEmpty() && settings.preset() == dev.sparklamb.spark.config.ModelPreset.BERT_MINI) {
            // token ids [1, max-length] in, [1, vocabulary, max-length] out
            long vocabulary = replica.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, settings.bert().maxLength())).size(1);
            if (vocabulary != settings.classes()) {
                throw new ConfigurationException("spark-lamb.model: network '" + modelName + "' predicts " + vocabulary
                        + " tokens but spark-lamb.model.classes (the vocabulary size) is " + settings.classes());
            }
            return;
        }
        long outputs;
        try {
            outputs = replica.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, settings.inputSize())).size(1);
        } catch (RuntimeException e) {
            throw new ConfigurationException("spark-lamb.model: network '" + modelName + "' does not accept " + settings.inputSize()
                    + " features per example (model.input-height x input-width x input-channels = " + settings.inputHeight() + " x "
                    + settings.inputWidth() + " x " + settings.inputChannels() + "): " + e.getMessage(), e);
        }
        if (outputs != settings.classes()) {
            throw new ConfigurationException("spark-lamb.model: network '" + modelName + "' has " + outputs
                    + " outputs but spark-lamb.model.classes is " + settings.classes());
        }
    }

    /**
     * For token data: the network must take {@code [1, L]} token ids with a {@code [1, L]} mask and give
     * {@code [1, V, L]} (one distribution over the vocabulary per position). Probed with one all-[PAD] sequence.
     *
     * @param vocabulary V ({@code spark-lamb.model.classes})
     * @param length     L ({@code spark-lamb.data.tokens.sequence-length})
     */
    public static void requireFitsSequences(Replica replica, int vocabulary, int length, String modelName) {
        INDArray out;
        try {
            out = replica.output(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 1, length),
                    org.nd4j.linalg.factory.Nd4j.ones(DataType.FLOAT, 1, length));
        } catch (RuntimeException e) {
            throw new ConfigurationException("spark-lamb.model: network '" + modelName + "' does not accept sequences of " + length
                    + " tokens (spark-lamb.data.tokens.sequence-length; longer than the model's maximum?): " + e.getMessage(), e);
        }
        long[] shape = out.shape();
        if (shape.length != 3 || shape[1] != vocabulary || shape[2] != length) {
            throw new ConfigurationException("spark-lamb.model: network '" + modelName + "' gives output of shape "
                    + java.util.Arrays.toString(shape) + " for one sequence of " + length + " tokens; masked-language-model training "
                    + "needs [1, " + vocabulary + ", " + length + "]: one distribution over the vocabulary (spark-lamb.model.classes = "
                    + vocabulary + ") per position");
        }
    }

    /** 784-512-256-10 (for 28x28 inputs) ReLU MLP with a softmax output. */
    public static MultiLayerConfiguration mlp(ModelSettings s, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(s.inputSize()).nOut(512).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(s.classes())
                        .weightInit(WeightInit.XAVIER).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(s.inputSize()))
                .build();
    }

    /** LeNet-style CNN: conv5x5x20, maxpool 2, conv5x5x50, maxpool 2, dense 500, softmax. Input given flattened. */
    public static MultiLayerConfiguration lenet(ModelSettings s, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(s.classes()).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(s.inputHeight(), s.inputWidth(), s.inputChannels()))
                .build();
    }

    /**
     * Channels of {@link #resnetMini}'s three stages (the stem has the first stage's width): the widest of the
     * measured candidates that reaches about 1,000 examples/s forward+backward on a 2-core machine (20 Fashion-MNIST
     * epochs of forward+backward in about 24 minutes at the middle measurement), see docs/benchmarks.md
     * ("spark-job: resnet-mini forward+backward throughput").
     */
    public static final List<Integer> RESNET_MINI_CHANNELS = List.of(4, 8, 16);

    /** Residual blocks per stage of {@link #resnetMini}. */
    public static final int RESNET_MINI_BLOCKS = 1;

    /** Stride of {@link #resnetMini}'s stem convolution (28x28 inputs: stages at 14x14, 7x7, 4x4). */
    public static final int RESNET_MINI_STEM_STRIDE = 2;

    /**
     * The {@code resnet-mini} preset, a small ResNet (He et al. 2016) for 28x28 images such as Fashion-MNIST:
     * {@link ResidualNetwork#build} with {@link #RESNET_MINI_CHANNELS}, {@link #RESNET_MINI_BLOCKS} and
     * {@link #RESNET_MINI_STEM_STRIDE}, i.e. stem conv3x3 (stride 2)-BN-ReLU, three stages of conv-BN-ReLU residual
     * blocks (1x1 conv-BN projection shortcuts where the shape changes), global average pooling, softmax.
     */
    public static ComputationGraphConfiguration resnetMini(ModelSettings s, long seed) {
        int[] channels = RESNET_MINI_CHANNELS.stream().mapToInt(Integer::intValue).toArray();
        return ResidualNetwork.build(s, seed, channels, RESNET_MINI_BLOCKS, RESNET_MINI_STEM_STRIDE);
    }

    /**
     * The {@code bert-mini} preset ({@link BertNetwork}) with the sizes of {@code spark-lamb.model.bert.*} and a
     * vocabulary of {@code classes} tokens.
     */
    public static ComputationGraphConfiguration bertMini(ModelSettings s, long seed) {
        return BertNetwork.build(s.bert(), s.classes(), seed);
    }

    /** A MultiLayerConfiguration or ComputationGraphConfiguration JSON file, through the Hadoop FileSystem API. */
    public static ModelSpec fromFile(String path, Configuration hadoop) {
        String json;
        try {
            json = new String(HadoopFiles.readAll(path, hadoop), StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigurationException("spark-lamb.model.config-file: '" + path + "' does not exist", e);
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.model.config-file: cannot read '" + path + "': " + e.getMessage(), e);
        }
        if (json.matches("(?s).*\"useLogStd\"\\s*:\\s*false.*")) {
            throw new ConfigurationException("spark-lamb.model.config-file: '" + path + "' sets useLogStd = false on a BatchNormalization "
                    + "layer, which DL4J 1.0.0-M2 reads back as true (it would silently train a different network); remove it or "
                    + "set it to true");
        }
        RuntimeException asMultiLayer;
        try {
            if (json.contains("\"vertices\"")) {
                return ModelSpec.of(ComputationGraphConfiguration.fromJson(json), path);
            }
            return ModelSpec.of(MultiLayerConfiguration.fromJson(json), path);
        } catch (ConfigurationException e) {
            throw e;
        } catch (RuntimeException e) {
            asMultiLayer = e;
        }
        throw new ConfigurationException("spark-lamb.model.config-file: '" + path
                + "' is not a DL4J MultiLayerConfiguration or ComputationGraphConfiguration JSON: " + asMultiLayer.getMessage(), asMultiLayer);
    }
}
