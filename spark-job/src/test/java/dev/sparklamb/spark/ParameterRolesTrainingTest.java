package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.NetworkCheck;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Networks whose tensors are not all trained by the optimizer, through the whole Spark trainer: frozen tensors
 * (FrozenLayer, {@code model.freeze}) stay bitwise unchanged for every optimizer and have no optimizer state; batch
 * normalization's running statistics move outside the optimizer; {@code tree} and {@code sharded} give the same
 * bits; L1/L2 are honoured in both; fine-tuning starts from a model zip; a resumed run equals an uninterrupted one.
 */
@ExtendWith(LocalSpark.class)
class ParameterRolesTrainingTest {

    static SparkSession spark;

    @TempDir
    Path tmp;

    /** 64 inputs: frozen dense, dense with L2, batch norm, softmax output. */
    static MultiLayerConfiguration network() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(64).nOut(24).activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(24).nOut(16).activation(Activation.RELU).l2(1e-3).l1(1e-4).build())
                .layer(new BatchNormalization.Builder().decay(0.9).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(64))
                .build();
    }

    private RunConfig config(String name, String... extra) throws Exception {
        Path json = tmp.resolve("network.json");
        if (!Files.exists(json)) {
            Files.writeString(json, network().toJson());
        }
        String[] base = {"model.config-file=\"" + json.toUri() + "\"", "model.input-height=8", "model.input-width=8", "data.partitions=3",
            "training.global-batch=90", "training.micro-batch=16", "training.max-steps=4", "optimizer.weight-decay=0.01",
            "optimizer.learning-rate.base=0.01", "checkpoint.every-steps=2"};
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return TestSpark.config(tmp.resolve(name), all);
    }

    private static float[] tensor(TensorLayout layout, float[] flat, String name) {
        int i = layout.indexOf(name);
        return Arrays.copyOfRange(flat, (int) layout.offset(i), (int) layout.offset(i) + layout.length(i));
    }

    @Test
    void shardedEqualsTreeBitwiseWithFrozenTensorsBatchNormAndRegularization() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 17);
        TrainedModel tree = new SparkTrainer(spark, config("tree")).fit(data.frame(spark), null);
        TrainedModel sharded = new SparkTrainer(spark, config("sharded", "training.all-reduce=sharded", "training.shards=2"))
                .fit(data.frame(spark), null);
        assertThat(sharded.parameters()).isEqualTo(tree.parameters());
        assertThat(sharded.optimizerState()).isEqualTo(tree.optimizerState());

        Replica initial = ModelFactory.spec(config("x").model(), 1, new Configuration()).build();
        ParameterRoles roles = initial.roles();
        TensorLayout layout = roles.full();
        assertThat(roles.frozen()).containsExactly("0_W", "0_b");
        assertThat(roles.statisticsNames()).containsExactly("2_mean", "2_log10stdev");
        assertThat(roles.normalization()).containsExactly("2_gamma", "2_beta");
        assertThat(tree.optimizerState().layout()).as("no optimizer state for frozen tensors or statistics")
                .isEqualTo(roles.optimized());
        for (String frozen : roles.frozen()) {
            assertThat(tensor(layout, tree.parameters(), frozen)).as(frozen).isEqualTo(tensor(layout, initial.parameters(), frozen));
        }
        for (String statistic : roles.statisticsNames()) {
            assertThat(tensor(layout, tree.parameters(), statistic)).as("%s moved", statistic)
                    .isNotEqualTo(tensor(layout, initial.parameters(), statistic));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lamb", "lars", "adamw", "adam"})
    void frozenTensorsStayBitwiseUnchangedForEveryOptimizer(String optimizer) throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(200, 8, 23);
        String[] extra = optimizer.equals("lars") || optimizer.equals("adamw") || optimizer.equals("lamb")
                ? new String[] {"optimizer.name=" + optimizer, "model.freeze=[\"^1_b$\", \"^3_\"]", "training.max-steps=6"}
                : new String[] {"optimizer.name=" + optimizer, "optimizer.weight-decay=0", "model.freeze=[\"^1_b$\", \"^3_\"]",
                    "training.max-steps=6"};
        RunConfig config = config(optimizer, extra);
        TrainedModel result = new SparkTrainer(spark, config).fit(data.frame(spark), null);
        Replica initial = ModelFactory.spec(config.model(), 1, new Configuration()).build();
        ParameterRoles roles = NetworkCheck.check(initial.network(), "test", config.model().freeze());
        assertThat(roles.frozen()).containsExactly("0_W", "0_b", "1_b", "3_W", "3_b");
        for (String frozen : roles.frozen()) {
            assertThat(tensor(roles.full(), result.parameters(), frozen)).as(frozen)
                    .isEqualTo(tensor(roles.full(), initial.parameters(), frozen));
        }
        assertThat(tensor(roles.full(), result.parameters(), "1_W")).isNotEqualTo(tensor(roles.full(), initial.parameters(), "1_W"));
        assertThat(result.optimizerState().layout().tensors()).extracting(t -> t.name()).containsExactly("1_W", "2_gamma", "2_beta");
    }

    @Test
    void batchNormGammaAndBetaAreExcludedFromWeightDecayUnlessSwitchedOff() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 19);
        // One step: the tensors' updates differ only where the exclusion applies (the forward pass is the same).
        RunConfig on = config("on", "optimizer.weight-decay=0.5", "optimizer.exclude-from-weight-decay=[\"_b$\"]", "training.max-steps=1");
        RunConfig off = config("off", "optimizer.weight-decay=0.5", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.exclude-batch-norm=false", "training.max-steps=1");
        assertThat(on.optimizer().excludingBatchNorm(List.of("2_gamma", "2_beta")).excludeFromWeightDecay())
                .containsExactly("_b$", "^\\Q2_gamma\\E$", "^\\Q2_beta\\E$");
        assertThat(off.optimizer().excludingBatchNorm(List.of("2_gamma")).excludeFromWeightDecay()).containsExactly("_b$");
        TrainedModel withExclusion = new SparkTrainer(spark, on).fit(data.frame(spark), null);
        TrainedModel without = new SparkTrainer(spark, off).fit(data.frame(spark), null);
        TensorLayout layout = NetworkCheck.check(withExclusion.model(), "test", List.of()).full();
        assertThat(tensor(layout, withExclusion.parameters(), "1_W")).as("not a batch-norm tensor: same update")
                .isEqualTo(tensor(layout, without.parameters(), "1_W"));
        assertThat(tensor(layout, withExclusion.parameters(), "2_gamma")).isNotEqualTo(tensor(layout, without.parameters(), "2_gamma"));
    }

    @Test
    void batchNormGroupIsTheForwardPassSizeAndIsCheckedAgainstTheNetwork() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 41);
        TrainedModel grouped = new SparkTrainer(spark, config("grouped", "training.micro-batch=32", "training.batch-norm-group=8"))
                .fit(data.frame(spark), null);
        TrainedModel small = new SparkTrainer(spark, config("small", "training.micro-batch=8")).fit(data.frame(spark), null);
        TrainedModel large = new SparkTrainer(spark, config("large", "training.micro-batch=32")).fit(data.frame(spark), null);
        assertThat(grouped.parameters()).as("groups of 8 in micro-batches of 32 = micro-batches of 8").isEqualTo(small.parameters());
        assertThat(Arrays.equals(grouped.parameters(), large.parameters())).as("the group size changes batch normalization").isFalse();

        RunConfig noBatchNorm = TestSpark.config(tmp.resolve("mlp"), "model.input-height=8", "model.input-width=8",
                "training.global-batch=64", "training.micro-batch=32", "training.batch-norm-group=8");
        assertThatThrownBy(() -> new SparkTrainer(spark, noBatchNorm).fit(data.frame(spark), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.training.batch-norm-group is 8")
                .hasMessageContaining("no BatchNormalization layer");
        assertThat(tmp.resolve("mlp")).doesNotExist();
        assertThatThrownBy(() -> config("big", "training.micro-batch=16", "training.batch-norm-group=32"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.training.batch-norm-group (32) must not exceed spark-lamb.training.micro-batch (16)");
    }

    /** Two dense layers and an output layer; with {@code decay > 0}, DL4J WeightDecay on every weight and bias. */
    static MultiLayerConfiguration decayed(double decay) {
        java.util.function.Function<org.deeplearning4j.nn.conf.layers.BaseLayer.Builder<?>, org.deeplearning4j.nn.conf.layers.Layer> d =
                b -> (decay > 0 ? b.weightDecay(decay, true).weightDecayBias(decay, true) : b).build();
        return new NeuralNetConfiguration.Builder().seed(8).dataType(DataType.FLOAT).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(d.apply(new DenseLayer.Builder().nIn(64).nOut(20).activation(Activation.TANH)))
                .layer(d.apply(new DenseLayer.Builder().nOut(12).activation(Activation.RELU)))
                .layer(d.apply(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)))
                .setInputType(InputType.feedForward(64))
                .build();
    }

    /**
     * DL4J's WeightDecay is the tensor's decoupled weight decay: a network with WeightDecay(0.03) on every tensor trains
     * bitwise like the plain network with {@code optimizer.weight-decay = 0.03}, for LAMB (inside the trust ratio) and
     * AdamW; adam and lars, whose decay is of another kind, refuse it by name.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lamb", "adamw"})
    void dl4jWeightDecayIsTheTensorsDecoupledWeightDecay(String optimizer) throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(200, 8, 47);
        Path withDecay = tmp.resolve("decayed.json");
        Path plain = tmp.resolve("plain.json");
        Files.writeString(withDecay, decayed(0.03).toJson());
        Files.writeString(plain, decayed(0).toJson());
        String[] common = {"model.input-height=8", "model.input-width=8", "data.partitions=2", "training.global-batch=64",
            "training.micro-batch=32", "training.max-steps=5", "optimizer.learning-rate.base=0.01", "optimizer.name=" + optimizer};
        RunConfig dl4jDecay = TestSpark.config(tmp.resolve("a-" + optimizer), concat(common, "model.config-file=\"" + withDecay.toUri() + "\"",
                "optimizer.weight-decay=0"));
        RunConfig optimizerDecay = TestSpark.config(tmp.resolve("b-" + optimizer), concat(common, "model.config-file=\"" + plain.toUri()
                + "\"", "optimizer.weight-decay=0.03"));
        RunConfig noDecay = TestSpark.config(tmp.resolve("c-" + optimizer), concat(common, "model.config-file=\"" + plain.toUri() + "\"",
                "optimizer.weight-decay=0"));
        float[] a = new SparkTrainer(spark, dl4jDecay).fit(data.frame(spark), null).parameters();
        float[] b = new SparkTrainer(spark, optimizerDecay).fit(data.frame(spark), null).parameters();
        float[] c = new SparkTrainer(spark, noDecay).fit(data.frame(spark), null).parameters();
        assertThat(a).isEqualTo(b);
        assertThat(Arrays.equals(a, c)).as("the decay acts").isFalse();
    }

    @Test
    void dl4jWeightDecayIsRefusedWhereItCannotBeDecoupled() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(100, 8, 53);
        Path withDecay = tmp.resolve("decayed.json");
        Files.writeString(withDecay, decayed(0.03).toJson());
        for (String optimizer : List.of("adam", "lars")) {
            RunConfig config = TestSpark.config(tmp.resolve("out-" + optimizer), "model.config-file=\"" + withDecay.toUri() + "\"",
                    "model.input-height=8", "model.input-width=8", "training.global-batch=64", "training.micro-batch=32",
                    "optimizer.name=" + optimizer);
            assertThatThrownBy(() -> new SparkTrainer(spark, config).fit(data.frame(spark), null)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("spark-lamb.optimizer.name: '" + optimizer + "' cannot honour DL4J's WeightDecay")
                    .hasMessageContaining("0_W");
            assertThat(tmp.resolve("out-" + optimizer)).doesNotExist();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void resumedRunEqualsUninterruptedWithBatchNorm() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 29);
        TrainedModel whole = new SparkTrainer(spark, config("whole")).fit(data.frame(spark), null);
        RunConfig crashed = config("crashed");
        assertThatThrownBy(() -> new SparkTrainer(spark, crashed).listener((m, p, u) -> {
            if (p.nextStep() == 2) {
                throw new IllegalStateException("simulated driver crash after step 2");
            }
        }).fit(data.frame(spark), null)).hasMessageContaining("simulated driver crash");
        TrainedModel resumed = new SparkTrainer(spark, crashed).resume(true).fit(data.frame(spark), null);
        assertThat(resumed.parameters()).isEqualTo(whole.parameters());
        assertThat(resumed.optimizerState()).isEqualTo(whole.optimizerState());
    }

    @Test
    void fineTuningStartsFromTheModelZipsParameters() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(200, 8, 31);
        TrainedModel first = new SparkTrainer(spark, config("first")).fit(data.frame(spark), null);
        Path zip = tmp.resolve("first").resolve("model.zip");
        assertThat(zip).exists();
        // One step from the zip's parameters with everything but the output layer frozen: only 3_W, 3_b and the statistics move.
        RunConfig tune = config("tune", "model.init-from=\"" + zip.toUri() + "\"",
                "model.freeze=[\"^1_\", \"^2_(gamma|beta)\"]", "training.max-steps=1");
        TrainedModel tuned = new SparkTrainer(spark, tune).fit(data.frame(spark), null);
        TensorLayout layout = NetworkCheck.check(first.model(), "test", List.of()).full();
        for (String same : List.of("0_W", "1_W", "1_b", "2_gamma", "2_beta")) {
            assertThat(tensor(layout, tuned.parameters(), same)).as(same).isEqualTo(tensor(layout, first.parameters(), same));
        }
        assertThat(tensor(layout, tuned.parameters(), "3_W")).isNotEqualTo(tensor(layout, first.parameters(), "3_W"));
    }

    @Test
    void badFineTuningSettingsAreRefusedBeforeAnythingIsWritten() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(100, 8, 37);
        Path otherZip = tmp.resolve("other.zip");
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork other = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                        .layer(new DenseLayer.Builder().nIn(64).nOut(8).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(10).activation(Activation.SOFTMAX).build())
                        .build());
        other.init();
        ModelSerializer.writeModel(other, otherZip.toFile(), false);

        RunConfig wrongArchitecture = config("wrong", "model.init-from=\"" + otherZip.toUri() + "\"");
        assertThatThrownBy(() -> new SparkTrainer(spark, wrongArchitecture).fit(data.frame(spark), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.init-from")
                .hasMessageContaining("another architecture");
        assertThat(tmp.resolve("wrong")).doesNotExist();

        RunConfig missing = config("missing", "model.init-from=\"" + tmp.resolve("nope.zip").toUri() + "\"");
        assertThatThrownBy(() -> new SparkTrainer(spark, missing).fit(data.frame(spark), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("does not exist");
        assertThat(tmp.resolve("missing")).doesNotExist();

        RunConfig nothing = config("nothing", "model.freeze=[\"^9_\"]");
        assertThatThrownBy(() -> new SparkTrainer(spark, nothing).fit(data.frame(spark), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.freeze: '^9_' matches no tensor");
        assertThat(tmp.resolve("nothing")).doesNotExist();
    }
}
