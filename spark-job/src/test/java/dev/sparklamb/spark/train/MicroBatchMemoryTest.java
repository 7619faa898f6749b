package dev.sparklamb.spark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.BadInputCases;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import org.apache.spark.SparkConf;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;

/**
 * The micro-batch memory check ({@link MicroBatchMemory}): the executor's budgets as Spark's settings give them, an estimate
 * that is at least what a hand count of the network's arrays gives, and the refusal naming the keys to change. (The
 * end-to-end case through the trainer and the command line is a row of {@link BadInputCases}.)
 */
class MicroBatchMemoryTest {

    static final long GIB = 1L << 30;

    @Test
    void executorBudgetsFollowSparksSettings() {
        SparkConf cluster = new SparkConf(false).setMaster("local-cluster[2,1,1024]");
        MicroBatchMemory.Executor byDefault = MicroBatchMemory.executor(cluster, 8);
        assertThat(byDefault.heapBytes()).isEqualTo(GIB); // Spark's default spark.executor.memory = 1g
        assertThat(byDefault.offHeapBytes()).isEqualTo(GIB);
        assertThat(byDefault.tasks()).isEqualTo(1);
        assertThat(byDefault.memoryKey()).isEqualTo("spark.executor.memory");

        cluster.set("spark.executor.memory", "3g").set("spark.executor.cores", "4").set("spark.task.cpus", "2")
                .set("spark.executor.extraJavaOptions", "-Xss4m -Dorg.bytedeco.javacpp.maxbytes=5g -Dother=1");
        MicroBatchMemory.Executor set = MicroBatchMemory.executor(cluster, 8);
        assertThat(set.heapBytes()).isEqualTo(3 * GIB);
        assertThat(set.offHeapBytes()).isEqualTo(5 * GIB);
        assertThat(set.tasks()).isEqualTo(2);
        assertThat(MicroBatchMemory.executor(cluster, 1).tasks()).as("no more tasks than partitions").isEqualTo(1);
        assertThat(MicroBatchMemory.executor(new SparkConf(false).setMaster("yarn").set("spark.executor.memory", "2048"), 4).heapBytes())
                .as("a plain number is MB, as Spark reads it").isEqualTo(2 * GIB);

        MicroBatchMemory.Executor local = MicroBatchMemory.executor(new SparkConf(false).setMaster("local[3]"), 8);
        assertThat(local.heapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(local.tasks()).isEqualTo(3);
        assertThat(local.memoryKey()).isEqualTo("spark.driver.memory");
        assertThat(MicroBatchMemory.executor(new SparkConf(false).setMaster("local"), 8).tasks()).isEqualTo(1);
    }

    @Test
    void theEstimateCoversTheArraysOfAPassAndGrowsWithTheMicroBatch() {
        // 64 -> 16 -> 10: 64*16+16 + 16*10+10 = 1,210 parameters; per example 16 + 10 activations.
        Replica mlp = ModelSpec.of(MultiLayerConfiguration.fromJson(BadInputCases.mlpJson(64, 10)), "mlp").build();
        assertThat(mlp.parameterCount()).isEqualTo(1_210);
        MicroBatchMemory.Need one = MicroBatchMemory.need(mlp, InputType.feedForward(64), 100, 64, 10);
        MicroBatchMemory.Need two = MicroBatchMemory.need(mlp, InputType.feedForward(64), 200, 64, 10);
        assertThat(one.networkReported()).isTrue();
        long parametersAndGradients = 2 * 4 * 1_210;
        assertThat(one.network()).isGreaterThanOrEqualTo(parametersAndGradients + 100 * (16 + 10) * 4);
        assertThat(two.network() - one.network()).isGreaterThanOrEqualTo(100 * (16 + 10) * 4);
        assertThat(one.batchValues()).isEqualTo(100 * (64 + 10));
        assertThat(one.heap()).isEqualTo(4 * 100 * (64 + 10) + 4 * 4 * 1_210);
    }

    @Test
    void refusesWhatDoesNotFitNamingTheKeys() {
        MicroBatchMemory.Need need = new MicroBatchMemory.Need(600L << 20, 1000, 1000, true, null);
        MicroBatchMemory.Executor small = new MicroBatchMemory.Executor(GIB, GIB, 2, "spark.executor.memory", "1g");
        assertThatThrownBy(() -> MicroBatchMemory.require(need, small, 512)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("spark-lamb.training.micro-batch = 512: an executor running 2 tasks at once needs about 1,200 MB")
                .hasMessageContaining("spark.executor.memory = 1g gives it 1,024 MB of heap and 1,024 MB for ND4J")
                .hasMessageContaining("lower spark-lamb.training.micro-batch")
                .hasMessageEndingWith("or raise spark.executor.memory");
        assertThatCode(() -> MicroBatchMemory.require(need, new MicroBatchMemory.Executor(GIB, GIB, 1, "spark.executor.memory", "1g"), 512))
                .doesNotThrowAnyException();
        MicroBatchMemory.Need heapHeavy = new MicroBatchMemory.Need(0, 300L << 20, 0, true, null); // 1.2 GB of features on the heap
        assertThatThrownBy(() -> MicroBatchMemory.require(heapHeavy, new MicroBatchMemory.Executor(GIB, 8 * GIB, 1, "spark.executor.memory",
                "1g"), 512)).isInstanceOf(ConfigurationException.class);
    }
}
