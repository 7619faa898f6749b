package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.OK;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.FEATURES;
import static dev.sparklamb.submit.HostileFixtures.baseRun;
import static dev.sparklamb.submit.HostileFixtures.confWith;
import static dev.sparklamb.submit.HostileFixtures.root;

import dev.sparklamb.submit.HostileCases.Invocation;
import dev.sparklamb.submit.HostileCases.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** Networks: layers and settings that cannot be trained exactly, fine-tuning and freezing. */
final class HostileNetworkCases {

    private HostileNetworkCases() {
    }

    /** A 64-input, 10-class network: {@code hidden} then a softmax output layer. */
    static String network(org.deeplearning4j.nn.conf.layers.DenseLayer.Builder hidden) {
        return new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT).list()
                .layer(hidden.nIn(FEATURES).nOut(12).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT)
                        .nIn(12).nOut(10).activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build().toJson();
    }

    /** goodConf with {@code model.config-file} set to {@code json}, written into the case's directory. */
    static Setup networkConf(String json, String extra, String... sets) {
        return dir -> {
            Path file = dir.resolve("network.json");
            Files.writeString(file, json);
            return confWith("spark-lamb.model.config-file = \"" + file.toUri() + "\"\n" + extra, sets).prepare(dir);
        };
    }

    static List<Arguments> networkCases() {
        return List.of(
                named("network: a layer with weight noise (DropConnect), which cannot be partition-independent", CONFIG,
                        List.of("spark-lamb.model", "layer 0", "DenseLayer", "DropConnect"),
                        networkConf(network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                                .weightNoise(new org.deeplearning4j.nn.conf.weightnoise.DropConnect(0.5))), "")),
                named("network: DL4J's WeightDecay (decoupled) with the adam optimizer (coupled L2 decay)", CONFIG,
                        List.of("spark-lamb.optimizer.name", "'adam'", "WeightDecay", "0_W"),
                        networkConf(network((org.deeplearning4j.nn.conf.layers.DenseLayer.Builder) new org.deeplearning4j.nn.conf.layers
                                .DenseLayer.Builder().regularization(List.of(new org.nd4j.linalg.learning.regularization.WeightDecay(1e-3, true)))),
                                "spark-lamb.optimizer.name = adam")),
                named("network: a sequence layer (LSTM)", CONFIG, List.of("layer 0", "LSTM", "sequence"),
                        networkConf(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                                .layer(new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nIn(FEATURES).nOut(8).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder().nIn(8).nOut(10)
                                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                                .build().toJson(), "")),
                named("network: BatchNormalization with useLogStd = false (DL4J reads it back as true)", CONFIG,
                        List.of("spark-lamb.model.config-file", "useLogStd"),
                        networkConf(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(FEATURES).nOut(8).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().useLogStd(false).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(FEATURES))
                                .build().toJson(), "")),
                named("network: per-layer gradient normalization with the sharded all-reduce", CONFIG,
                        List.of("spark-lamb.training.all-reduce", "gradient normalization"),
                        networkConf(network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                                .gradientNormalization(org.deeplearning4j.nn.conf.GradientNormalization.ClipL2PerLayer)),
                                "spark-lamb.training.all-reduce = sharded")),
                named("network: model.init-from a model zip of another architecture", CONFIG,
                        List.of("spark-lamb.model.init-from", "another architecture", "other.zip"), dir -> {
                            org.deeplearning4j.nn.multilayer.MultiLayerNetwork other = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                                    org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(
                                            network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder())));
                            other.init();
                            Path zip = dir.resolve("other.zip");
                            org.deeplearning4j.util.ModelSerializer.writeModel(other, zip.toFile(), false);
                            return confWith("spark-lamb.model.init-from = \"" + zip.toUri() + "\"").prepare(dir);
                        }),
                named("network: fine-tuning from the base run's model with the first layer frozen", OK, List.of(), dir -> {
                    Invocation inv = confWith("spark-lamb.model.init-from = \"" + baseRun.resolve("model.zip").toUri() + "\"\n"
                            + "spark-lamb.model.freeze = [\"^0_\"]").prepare(dir);
                    return new Invocation(inv.args(), root.relativize(dir.resolve("out")).toString(), null);
                }),
                named("network: batch normalization, dropout and l2 in a configuration file train", OK, List.of(), dir -> {
                    String json = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                            .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT).list()
                            .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(FEATURES).nOut(12).dropOut(0.8).l2(1e-4).build())
                            .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                            .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                                    org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(10)
                                    .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                            .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(FEATURES))
                            .build().toJson();
                    Invocation inv = networkConf(json, "").prepare(dir);
                    return new Invocation(inv.args(), root.relativize(dir).toString(), null);
                }));
    }
}
