package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.dl4j.LambTrainingMaster;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What {@link LambTrainingMaster} refuses, through DL4J's own {@code fit}: each message names where the problem is
 * and what was expected, and a refused fit leaves the network's parameters as they were.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings(conf = "spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator")
class LambTrainingMasterRefusalTest {

    static final String WHAT = "training data (JavaRDD<DataSet>): ";
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(256, 4, 11);

    static SparkSession spark;
    static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** Four DataSets of 64 synthetic examples (16 features, 10 classes), the {@code k}-th changed by {@code change}. */
    static List<DataSet> dataSets(int k, UnaryOperator<DataSet> change) {
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < 256; from += 64) {
            float[][] f = java.util.Arrays.copyOfRange(DATA.features(), from, from + 64);
            float[][] l = new float[64][10];
            for (int i = 0; i < 64; i++) {
                l[i][DATA.labels()[from + i]] = 1f;
            }
            DataSet d = new DataSet(Nd4j.create(f), Nd4j.create(l));
            out.add(out.size() == k ? change.apply(d) : d);
        }
        return out;
    }

    static NeuralNetConfiguration.ListBuilder layers(DataType type) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(type).list();
    }

    static MultiLayerConfiguration mlp(DenseLayer.Builder hidden, int outputs) {
        return layers(DataType.FLOAT)
                .layer(hidden.nIn(16).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(outputs).activation(Activation.SOFTMAX).build())
                .build();
    }

    static SparkDl4jMultiLayer net(MultiLayerConfiguration conf) {
        return new SparkDl4jMultiLayer(jsc, conf, LambTrainingMaster.builder().globalBatch(64).partitions(2).build());
    }

    /** Fits {@code data} (2 RDD partitions of 2 DataSets each) and returns what was thrown; the parameters must be unchanged. */
    static Throwable refusal(SparkDl4jMultiLayer sparkNet, List<DataSet> data) {
        INDArray before = sparkNet.getNetwork().params().dup();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> sparkNet.fit(jsc.parallelize(data, 2)));
        assertThat(sparkNet.getNetwork().params()).as("parameters after a refused fit").isEqualTo(before);
        return t;
    }

    static Throwable refusal(List<DataSet> data) {
        return refusal(net(mlp(new DenseLayer.Builder(), 10)), data);
    }

    @Test
    void masksOnMinibatchesThatAreNotSequencesAreRefusedNamingTheMinibatch() {
        Throwable t = refusal(dataSets(2, d -> {
            d.setLabelsMaskArray(Nd4j.ones(DataType.FLOAT, 64, 1));
            return d;
        }));
        assertThat(t).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 1, minibatch 0: has a labels mask; "
                + "LambTrainingMaster takes masks only with sequence minibatches (features [examples, size, L], one-hot labels "
                + "[examples, classes, L], masks [examples, L])");
    }

    @Test
    void labelsThatAreNotOneHotAreRefusedNamingTheExample() {
        Throwable t = refusal(dataSets(1, d -> {
            d.getLabels().putRow(5, Nd4j.createFromArray(0.5f, 0.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f));
            return d;
        }));
        assertThat(t).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 0, minibatch 1, example 5 (0-based, in the "
                + "minibatch): label row [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] is not one-hot; expected exactly one 1 and "
                + "zeros elsewhere (class labels)");
    }

    @Test
    void singleColumnLabelsAreRefused() {
        List<DataSet> data = dataSets(-1, d -> d);
        data.replaceAll(d -> new DataSet(d.getFeatures(), Nd4j.ones(DataType.FLOAT, 64, 1)));
        assertThat(refusal(data)).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 0, minibatch 0: labels have 1 column; "
                + "expected one-hot class labels with at least 2 columns (one per class)");
    }

    @Test
    void nonFiniteFeaturesAreRefused() {
        Throwable t = refusal(dataSets(3, d -> {
            d.getFeatures().putScalar(7, 2, Float.NaN);
            return d;
        }));
        assertThat(t).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 1, minibatch 1, example 7 (0-based, in the "
                + "minibatch): feature 2 is NaN; features must be finite");
    }

    @Test
    void featuresOfRankFourAreRefused() {
        List<DataSet> data = dataSets(-1, d -> d);
        data.replaceAll(d -> new DataSet(d.getFeatures().reshape(64, 1, 4, 4), d.getLabels()));
        assertThat(refusal(data)).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 0, minibatch 0: features have rank 4 "
                + "(shape [64, 1, 4, 4]); expected a rank-2 array [examples, features] (flatten images and configure the network with "
                + "InputType.convolutionalFlat)");
        // One DataSet in two slices: partition 0 is empty, and the message names the partition that holds it.
        SparkDl4jMultiLayer sparkNet = net(mlp(new DenseLayer.Builder(), 10));
        assertThatThrownBy(() -> sparkNet.fit(jsc.parallelize(data.subList(0, 1), 2))).isInstanceOf(DataException.class)
                .hasMessageStartingWith(WHAT + "partition 1, minibatch 0: features have rank 4");
    }

    @Test
    void minibatchesOfAnotherShapeThanTheFirstAreRefused() {
        Throwable features = refusal(dataSets(3, d -> new DataSet(Nd4j.zeros(DataType.FLOAT, 64, 9), d.getLabels())));
        assertThat(features).isInstanceOf(DataException.class)
                .hasMessage(WHAT + "partition 1, minibatch 1: has 9 features per example; the first minibatch has 16");
        Throwable labels = refusal(dataSets(2, d -> new DataSet(d.getFeatures(), Nd4j.zeros(DataType.FLOAT, 64, 3))));
        assertThat(labels).isInstanceOf(DataException.class)
                .hasMessage(WHAT + "partition 1, minibatch 0: labels have 3 columns; the first minibatch's have 10");
    }

    @Test
    void anEmptyRddIsRefused() {
        assertThat(refusal(List.of())).isInstanceOf(DataException.class).hasMessage(WHAT + "the RDD is empty");
    }

    @Test
    void aNetworkThatDoesNotFitTheDataIsRefused() {
        assertThat(refusal(net(mlp(new DenseLayer.Builder(), 5)), dataSets(-1, d -> d))).isInstanceOf(ConfigurationException.class)
                .hasMessage("LambTrainingMaster: the MultiLayerNetwork has 5 outputs but the DataSets' labels have 10 columns");
        List<DataSet> wide = dataSets(-1, d -> d);
        wide.replaceAll(d -> new DataSet(Nd4j.zeros(DataType.FLOAT, 64, 20), d.getLabels()));
        assertThat(refusal(net(mlp(new DenseLayer.Builder(), 10)), wide)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("LambTrainingMaster: the MultiLayerNetwork does not accept the DataSets' 20 features per example: ");
    }

    /** Layer settings that cannot be trained exactly, each with a part of the reason its refusal must give. */
    static List<Object[]> unsupportedSettings() {
        return List.of(
                new Object[] {new DenseLayer.Builder().weightNoise(new DropConnect(0.5)), "DropConnect", "layer 0 ('layer0') (DenseLayer) "},
                new Object[] {new DenseLayer.Builder().regularization(List.of(new WeightDecay(1e-4, false))), "WeightDecay with applyLR = false",
                    "layer 0 ('layer0') (DenseLayer) "},
                new Object[] {new DenseLayer.Builder().name("hidden").regularization(List.of(new org.nd4j.linalg.learning.regularization
                        .L2Regularization(new org.nd4j.linalg.schedule.ExponentialSchedule(org.nd4j.linalg.schedule.ScheduleType.EPOCH, 1e-3,
                        0.9)))), "scheduled l2 coefficient", "layer 0 ('hidden') (DenseLayer) "},
                new Object[] {new DenseLayer.Builder().updater(new Adam(0.1)), "per-layer updaters would be ignored", "layer 1 ('layer1') (OutputLayer) "},
                new Object[] {new DenseLayer.Builder().dropOut(new Dropout(new org.nd4j.linalg.schedule.StepSchedule(
                        org.nd4j.linalg.schedule.ScheduleType.ITERATION, 0.9, 0.5, 10))), "pSchedule", "layer 0 ('layer0') (DenseLayer) "});
    }

    /**
     * The drop-in and the CLI / SparkTrainer run one check: the same network gets the same refusal (after each entry
     * point's prefix), naming the layer.
     */
    @Test
    void settingsThatCannotBeTrainedExactlyAreRefusedNamingTheLayerByBothEntryPoints() throws Exception {
        List<DataSet> data = dataSets(-1, d -> d);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("refusal");
        int k = 0;
        for (Object[] c : unsupportedSettings()) {
            MultiLayerConfiguration conf = mlp((DenseLayer.Builder) c[0], 10);
            Throwable dropIn = refusal(net(conf), data);
            assertThat(dropIn).isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("LambTrainingMaster: " + c[2]).hasMessageContaining((String) c[1]);

            java.nio.file.Path json = dir.resolve("net" + k + ".json");
            java.nio.file.Files.writeString(json, conf.toJson());
            dev.sparklamb.spark.config.RunConfig config = TestSpark.config(dir.resolve("out" + k++), "model.config-file=\"" + json.toUri()
                    + "\"", "model.input-height=4", "model.input-width=4");
            Throwable cli = org.assertj.core.api.Assertions.catchThrowable(() -> new dev.sparklamb.spark.train.SparkTrainer(
                    SparkSession.builder().getOrCreate(), config).fit(TestSpark.synthetic(64, 4, 1).frame(SparkSession.builder().getOrCreate()), null));
            assertThat(cli).isInstanceOf(ConfigurationException.class);
            String reason = dropIn.getMessage().substring("LambTrainingMaster: ".length());
            assertThat(cli.getMessage()).as("same check, same words").endsWith(reason);
            assertThat(dir.resolve("out" + (k - 1))).as("nothing written").doesNotExist();
        }
    }

    @Test
    void batchNormalizationDropoutAndL2Train() {
        MultiLayerConfiguration conf = layers(DataType.FLOAT)
                .layer(new DenseLayer.Builder().nIn(16).nOut(8).l2(1e-4).dropOut(0.9).build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().nOut(8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        SparkDl4jMultiLayer sparkNet = net(conf);
        INDArray mean = sparkNet.getNetwork().getParam("1_mean").dup();
        INDArray weights = sparkNet.getNetwork().getParam("0_W").dup();
        sparkNet.fit(jsc.parallelize(dataSets(-1, d -> d), 2));
        assertThat(sparkNet.getNetwork().getParam("1_mean")).as("running mean updated").isNotEqualTo(mean);
        assertThat(sparkNet.getNetwork().getParam("0_W")).isNotEqualTo(weights);
    }

    @Test
    void aDoublePrecisionNetworkIsRefused() {
        MultiLayerConfiguration conf = layers(DataType.DOUBLE)
                .layer(new DenseLayer.Builder().nIn(16).nOut(8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        assertThat(refusal(net(conf), dataSets(-1, d -> d))).isInstanceOf(ConfigurationException.class)
                .hasMessage("LambTrainingMaster: the MultiLayerNetwork's parameters are DOUBLE; only FLOAT (32-bit) networks are "
                        + "supported: build the configuration with .dataType(DataType.FLOAT)");
    }

    @Test
    void aGlobalBatchLargerThanTheDataIsRefusedNamingTheOption() {
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, mlp(new DenseLayer.Builder(), 10),
                LambTrainingMaster.builder().globalBatch(1000).build());
        assertThat(refusal(sparkNet, dataSets(-1, d -> d))).isInstanceOf(ConfigurationException.class)
                .hasMessage("LambTrainingMaster.Builder.globalBatch: 1000 is larger than the training data (256 examples in "
                        + "training data (JavaRDD<DataSet>)): lower it or add data");
    }

    @Test
    void graphsWithSeveralInputsAndMultiDataSetsWithSeveralArraysAreRefused() {
        var twoInputs = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("a", "b")
                .addVertex("ab", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "ab")
                .setOutputs("out").build();
        LambTrainingMaster tm = LambTrainingMaster.builder().globalBatch(64).build();
        SparkComputationGraph graph = new SparkComputationGraph(jsc, twoInputs, tm);
        assertThatThrownBy(() -> graph.fit(jsc.parallelize(dataSets(-1, d -> d), 2))).isInstanceOf(ConfigurationException.class)
                .hasMessage("LambTrainingMaster: the ComputationGraph has 2 inputs and 1 outputs; only graphs with one input and one "
                        + "output are supported");

        var oneInput = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "in")
                .setOutputs("out").build();
        List<org.nd4j.linalg.dataset.api.MultiDataSet> pairs = new ArrayList<>();
        for (DataSet d : dataSets(-1, d -> d)) {
            pairs.add(new MultiDataSet(new INDArray[] {d.getFeatures(), d.getFeatures()}, new INDArray[] {d.getLabels()}));
        }
        SparkComputationGraph single = new SparkComputationGraph(jsc, oneInput, tm);
        assertThatThrownBy(() -> single.fitMultiDataSet(jsc.parallelize(pairs, 2))).isInstanceOf(DataException.class)
                .hasMessage("training data (JavaRDD<MultiDataSet>): partition 0, minibatch 0: has 2 feature arrays and 1 label arrays; "
                        + "expected one of each (graphs with one input and one output)");
    }
}
