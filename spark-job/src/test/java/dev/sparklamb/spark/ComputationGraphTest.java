package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import dev.sparklamb.spark.update.GlobalUpdate;
import dev.sparklamb.spark.update.LocalTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Networks other than the MLP preset: a ComputationGraphConfiguration JSON given as {@code model.config-file}, and the
 * LeNet preset. Distributed training equals the single-process {@link LocalTrainer}; the tensor layout the optimizer
 * uses matches DL4J's flattening.
 */
@ExtendWith(LocalSpark.class)
class ComputationGraphTest {

    static SparkSession spark;

    @TempDir
    Path tmp;

    static ComputationGraphConfiguration graph() {
        return new NeuralNetConfiguration.Builder()
                .seed(77)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .build();
    }

    static float[] local(RunConfig config, TestSpark.Synthetic data) {
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), new Configuration());
        BatchPlan plan = new BatchPlan(data.labels().length, config.training().globalBatch(), config.training().epochs(),
                config.training().maxSteps(), config.seed());
        OptimizerConfig opt = config.optimizer().create(plan.totalSteps(), plan.globalBatch());
        return new LocalTrainer(spec, config.training().microBatch(), config.model().classes())
                .train(data.block(), plan, opt, plan.totalSteps()).parameters();
    }

    /** Every tensor of the layout is the slice of DL4J's flat parameter vector that paramTable() views. */
    static void assertLayoutMatchesFlattening(Replica replica, Map<String, INDArray> paramTable) {
        TensorLayout layout = replica.layout();
        assertThat(layout.totalLength()).isEqualTo(replica.parameterCount());
        assertThat(layout.size()).isEqualTo(paramTable.size());
        float[] marks = new float[(int) replica.parameterCount()];
        for (int i = 0; i < marks.length; i++) {
            marks[i] = i;
        }
        replica.setParameters(marks, -1);
        for (int t = 0; t < layout.size(); t++) {
            INDArray view = paramTable.get(layout.name(t));
            assertThat(view).as("paramTable entry %s", layout.name(t)).isNotNull();
            float[] values = view.dup().data().asFloat();
            Arrays.sort(values);
            float[] expected = new float[layout.length(t)];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = layout.offset(t) + i;
            }
            assertThat(values).as("elements of tensor %s", layout.name(t)).isEqualTo(expected);
        }
    }

    @Test
    void computationGraphFromAConfigFileMatchesTheSingleProcessTrainer() throws Exception {
        Path json = tmp.resolve("graph.json");
        Files.writeString(json, graph().toJson());
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 31);
        RunConfig config = TestSpark.config(tmp.resolve("out"), "model.config-file=\"" + json.toUri() + "\"",
                "model.input-height=8", "model.input-width=8", "data.partitions=3",
                "training.global-batch=96", "training.micro-batch=20", "training.max-steps=3",
                "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.learning-rate.base=0.01");
        TrainedModel result = new SparkTrainer(spark, config).fit(data.frame(spark), null);
        assertThat(result.model()).isInstanceOf(ComputationGraph.class);
        assertThat(result.history()).hasSize(3);
        TestFiles.assertClose(result.parameters(), local(config, data), 1e-5);

        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), new Configuration());
        assertThat(spec.graph()).isTrue();
        Replica replica = spec.build();
        assertLayoutMatchesFlattening(replica, ((ComputationGraph) replica.network()).paramTable());
    }

    static RunConfig lenet(Path output, int partitions, int steps) {
        return TestSpark.config(output, "model.preset=lenet",
                "model.input-height=16", "model.input-width=16", "data.partitions=" + partitions,
                "training.global-batch=64", "training.micro-batch=32", "training.max-steps=" + steps,
                "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.learning-rate.base=0.01");
    }

    /**
     * LeNet, P = 2. After one step the parameters agree within 1e-5 (the summed gradients differ only by float
     * rounding, about 3e-7 relative). Over three steps the first convolution's bias has elements whose gradient is
     * near 0, where Adam's normalisation m / (sqrt(v) + eps) turns rounding differences into visible ones (8e-5
     * relative was measured, in tensor 0_b): the three-step bound is therefore 1e-4, and the per-step losses must
     * agree within 1e-5. With P = 1 the micro-batches are the local ones and the result is bitwise identical.
     */
    @Test
    void lenetPresetMatchesTheSingleProcessTrainer() {
        TestSpark.Synthetic data = TestSpark.synthetic(200, 16, 41);

        RunConfig oneStep = lenet(tmp.resolve("one"), 2, 1);
        TrainedModel first = new SparkTrainer(spark, oneStep).fit(data.frame(spark), null);
        TestFiles.assertClose(first.parameters(), local(oneStep, data), 1e-5);

        RunConfig config = lenet(tmp.resolve("three"), 2, 3);
        TrainedModel result = new SparkTrainer(spark, config).fit(data.frame(spark), null);
        assertThat(result.model()).isInstanceOf(MultiLayerNetwork.class);
        assertThat(result.history()).hasSize(3);
        TestFiles.assertClose(result.parameters(), local(config, data), 1e-4);
        assertThat(result.history().get(0).loss()).isCloseTo(first.history().get(0).loss(), within(0.0));

        // Per-step loss of the distributed run against the local trainer, step by step.
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), new Configuration());
        BatchPlan plan = new BatchPlan(data.labels().length, 64, config.training().epochs(), 3, config.seed());
        LocalTrainer trainer = new LocalTrainer(spec, 32, 10);
        Replica replica = spec.build();
        GlobalUpdate update = new GlobalUpdate(replica.layout(), replica.parameters(),
                config.optimizer().create(plan.totalSteps(), plan.globalBatch()).create());
        for (int step = 0; step < 3; step++) {
            GradientPart g = trainer.step(replica, data.block(), plan, update, step);
            double localLoss = g.lossSum() / g.examples();
            assertThat(result.history().get(step).loss()).as("loss of step %d", step + 1).isCloseTo(localLoss, withinPercentage(1e-3));
        }

        RunConfig single = lenet(tmp.resolve("single"), 1, 3);
        assertThat(new SparkTrainer(spark, single).fit(data.frame(spark), null).parameters())
                .as("P = 1: bitwise equal to the local trainer").isEqualTo(local(single, data));

        Replica fresh = ModelFactory.spec(config.model(), config.seed(), new Configuration()).build();
        assertLayoutMatchesFlattening(fresh, ((MultiLayerNetwork) fresh.network()).paramTable());
    }

    /** A graph with branches: DL4J's paramTable() order is not its flattening order; the layout follows the flattening. */
    @Test
    void resnetMiniLayoutMatchesTheFlattening() {
        RunConfig config = TestSpark.config(tmp.resolve("out"), "model.preset=resnet-mini");
        Replica replica = ModelFactory.spec(config.model(), config.seed(), new Configuration()).build();
        List<String> tableOrder = List.copyOf(((ComputationGraph) replica.network()).paramTable().keySet());
        assertThat(replica.layout().tensors().stream().map(t -> t.name()).toList()).as("not paramTable()'s order")
                .isNotEqualTo(tableOrder).containsExactlyInAnyOrderElementsOf(tableOrder);
        assertLayoutMatchesFlattening(replica, ((ComputationGraph) replica.network()).paramTable());
    }

    @Test
    void mlpPresetLayoutMatchesTheFlattening() {
        RunConfig config = TestSpark.config(tmp.resolve("out"), "model.input-height=8", "model.input-width=8");
        Replica replica = ModelFactory.spec(config.model(), config.seed(), new Configuration()).build();
        assertLayoutMatchesFlattening(replica, ((MultiLayerNetwork) replica.network()).paramTable());
    }
}
