package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Dropout through the whole Spark trainer: the masks are keyed by example id, so 1, 3 and 4 partitions (and other
 * micro-batch sizes) give the same step within float rounding, a run repeats bitwise, and a resumed run equals an
 * uninterrupted one bitwise.
 */
@ExtendWith(LocalSpark.class)
class DropoutTrainingTest {

    static SparkSession spark;

    @TempDir
    Path tmp;

    static MultiLayerConfiguration network(boolean dropout) {
        return new NeuralNetConfiguration.Builder().seed(9).dataType(DataType.FLOAT).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.RELU).dropOut(dropout ? 0.8 : 1.0).build())
                .layer(dropout ? new DenseLayer.Builder().nOut(16).activation(Activation.TANH).dropOut(new GaussianDropout(0.2)).build()
                        : new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build())
                .layer(new DropoutLayer.Builder(dropout ? 0.7 : 1.0).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(64))
                .build();
    }

    private RunConfig config(String name, int partitions, int microBatch, int steps) throws Exception {
        return config(name, partitions, microBatch, steps, true);
    }

    private RunConfig config(String name, int partitions, int microBatch, int steps, boolean dropout) throws Exception {
        Path json = tmp.resolve("network-" + dropout + ".json");
        if (!Files.exists(json)) {
            Files.writeString(json, network(dropout).toJson());
        }
        return TestSpark.config(tmp.resolve(name), "model.config-file=\"" + json.toUri() + "\"", "model.input-height=8",
                "model.input-width=8", "data.partitions=" + partitions, "training.global-batch=96", "training.micro-batch=" + microBatch,
                "training.max-steps=" + steps, "optimizer.learning-rate.base=0.01", "checkpoint.every-steps=2");
    }

    @Test
    void oneStepIsIndependentOfPartitionsAndMicroBatches() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 3);
        float[] one = new SparkTrainer(spark, config("p1", 1, 96, 1)).fit(data.frame(spark), null).parameters();
        float[] three = new SparkTrainer(spark, config("p3", 3, 7, 1)).fit(data.frame(spark), null).parameters();
        float[] four = new SparkTrainer(spark, config("p4", 4, 32, 1)).fit(data.frame(spark), null).parameters();
        TestFiles.assertClose(three, one, 1e-5);
        TestFiles.assertClose(four, one, 1e-5);
        // and dropout really acts: without it the step differs
        float[] plain = new SparkTrainer(spark, config("plain", 1, 96, 1, false)).fit(data.frame(spark), null).parameters();
        assertThat(plain).hasSameSizeAs(one);
        assertThat(Arrays.equals(one, plain)).isFalse();
    }

    @Test
    void runsRepeatBitwiseAndResumeExactly() throws Exception {
        TestSpark.Synthetic data = TestSpark.synthetic(300, 8, 5);
        TrainedModel first = new SparkTrainer(spark, config("a", 3, 16, 4)).fit(data.frame(spark), null);
        TrainedModel second = new SparkTrainer(spark, config("b", 3, 16, 4)).fit(data.frame(spark), null);
        assertThat(second.parameters()).isEqualTo(first.parameters());

        RunConfig crashed = config("crashed", 3, 16, 4);
        assertThatThrownBy(() -> new SparkTrainer(spark, crashed).listener((m, p, u) -> {
            if (p.nextStep() == 2) {
                throw new IllegalStateException("simulated driver crash after step 2");
            }
        }).fit(data.frame(spark), null)).hasMessageContaining("simulated driver crash");
        TrainedModel resumed = new SparkTrainer(spark, crashed).resume(true).fit(data.frame(spark), null);
        assertThat(resumed.parameters()).isEqualTo(first.parameters());
    }
}
