package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.spark.allreduce.Communication;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code all-reduce = sharded} (reduce-scatter, per-shard optimizer, all-gather) gives the same training as
 * {@code tree}: the same gradient summation order and the same chunked optimizer arithmetic, so parameters and
 * optimizer state are bitwise equal, for one- and two-pass optimizers, split tensors, and shard counts that differ
 * from the partition count. The tree result itself is checked against single-process training in
 * {@link DistributedEqualsLocalTest}.
 */
@ExtendWith(LocalSpark.class)
class ShardedAllReduceTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 7);

    @TempDir
    Path tmp;

    static String[] overrides(int partitions, String optimizer, String allReduce, int shards, String... extra) {
        List<String> o = new ArrayList<>(List.of(DistributedEqualsLocalTest.overrides(partitions, "mlp")));
        o.addAll(List.of("optimizer.name=" + optimizer, "training.all-reduce=" + allReduce, "training.shards=" + shards,
                "training.all-reduce-fan-in=2"));
        o.addAll(List.of(extra));
        return o.toArray(String[]::new);
    }

    TrainedModel train(String name, String... overrides) {
        RunConfig config = TestSpark.config(tmp.resolve(name), overrides);
        return new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
    }

    @ParameterizedTest(name = "{0} with P = {1}, {2} shards")
    @CsvSource({"lamb, 1, 0", "lamb, 3, 0", "lamb, 4, 0", "lamb, 3, 5", "lars, 3, 0", "adamw, 4, 2", "adam, 3, 0"})
    void shardedEqualsTreeBitwise(String optimizer, int partitions, int shards) {
        TrainedModel tree = train("tree", overrides(partitions, optimizer, "tree", 0));
        TrainedModel sharded = train("sharded", overrides(partitions, optimizer, "sharded", shards));
        assertThat(sharded.history()).hasSize(5);
        int mismatch = Arrays.mismatch(sharded.parameters(), tree.parameters());
        assertThat(mismatch).as("first differing parameter (-1: none)").isEqualTo(-1);
        assertStateEquals(sharded.optimizerState(), tree.optimizerState());
        for (int i = 0; i < tree.history().size(); i++) {
            StepMetrics t = tree.history().get(i);
            StepMetrics s = sharded.history().get(i);
            assertThat(s.loss()).as("loss of step %d", i + 1).isEqualTo(t.loss());
            assertThat(s.gradientNorm()).as("gradient norm of step %d", i + 1).isEqualTo(t.gradientNorm());
            assertThat(s.trustRatioMedian()).as("median trust ratio of step %d", i + 1).isEqualTo(t.trustRatioMedian());
        }
    }

    @Test
    void splitTensorsAndClippingStillEqualTree() {
        // 7 shards over the MLP's 6 tensors forces cuts inside the large weight matrices (chunked norms);
        // clipping needs the global gradient norm combined from all shards.
        String[] extra = {"optimizer.max-gradient-norm=0.05", "optimizer.trust-ratio-min=0.01", "optimizer.trust-ratio-max=10"};
        TrainedModel tree = train("tree", overrides(2, "lamb", "tree", 0, extra));
        TrainedModel sharded = train("sharded", overrides(2, "lamb", "sharded", 7, extra));
        assertThat(sharded.history().get(0).clipScale()).as("clipping was active").isLessThan(1.0);
        assertThat(Arrays.mismatch(sharded.parameters(), tree.parameters())).isEqualTo(-1);
        assertStateEquals(sharded.optimizerState(), tree.optimizerState());
    }

    @Test
    void shardedIsBitwiseReproducible() {
        TrainedModel a = train("a", overrides(3, "lamb", "sharded", 0));
        TrainedModel b = train("b", overrides(3, "lamb", "sharded", 0));
        assertThat(Arrays.equals(a.parameters(), b.parameters())).isTrue();
        assertStateEquals(a.optimizerState(), b.optimizerState());
    }

    @Test
    void communicationIsMeasuredAndTheShardedDriverReceivesNoModelSizedData() {
        TrainedModel tree = train("tree", overrides(4, "lamb", "tree", 0));
        TrainedModel sharded = train("sharded", overrides(4, "lamb", "sharded", 0));
        long modelBytes = 4L * tree.parameters().length;
        Communication t = tree.history().get(2).communication();
        Communication s = sharded.history().get(2).communication();
        assertThat(t.complete()).isTrue();
        assertThat(s.complete()).isTrue();
        assertThat(t.driverInBytes()).as("tree: the driver receives at least one model-sized sum").isGreaterThanOrEqualTo(modelBytes);
        assertThat(t.broadcastBytes()).isEqualTo(modelBytes);
        assertThat(s.broadcastBytes()).isZero();
        assertThat(s.driverInBytes()).as("sharded: the driver receives only per-chunk scalars").isLessThan(modelBytes / 10);
        assertThat(s.executors()).isNotEmpty();
    }

    @Test
    void shardedCheckpointsResumeExactlyInEitherMode() {
        String[] every = {"checkpoint.every-steps=1"};
        TrainedModel uninterrupted = train("uninterrupted", overrides(3, "lamb", "tree", 0, every));
        for (String resumeWith : List.of("sharded", "tree")) {
            RunConfig crashing = TestSpark.config(tmp.resolve("crash-" + resumeWith), overrides(3, "lamb", "sharded", 0, every));
            assertThatThrownBy(() -> new SparkTrainer(spark, crashing).listener((m, p, u) -> {
                if (p.nextStep() == 3) {
                    throw new IllegalStateException("simulated driver crash after step 3");
                }
            }).fit(DATA.frame(spark), null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("simulated driver crash");
            RunConfig resuming = TestSpark.config(tmp.resolve("crash-" + resumeWith), overrides(3, "lamb", resumeWith, 0, every));
            TrainedModel resumed = new SparkTrainer(spark, resuming).resume(true).fit(DATA.frame(spark), null);
            assertThat(resumed.history()).as("steps run after the resume").hasSize(2);
            assertThat(Arrays.mismatch(resumed.parameters(), uninterrupted.parameters())).as("resumed with %s", resumeWith).isEqualTo(-1);
            assertStateEquals(resumed.optimizerState(), uninterrupted.optimizerState());
        }
    }

    static void assertStateEquals(OptimizerState actual, OptimizerState expected) {
        assertThat(actual.step()).isEqualTo(expected.step());
        assertThat(actual.layout()).isEqualTo(expected.layout());
        for (int i = 0; i < expected.layout().size(); i++) {
            assertThat(Arrays.equals(actual.firstMoment(i), expected.firstMoment(i))).as("first moment of %s", expected.layout().name(i)).isTrue();
            if (expected.hasSecondMoment()) {
                assertThat(Arrays.equals(actual.secondMoment(i), expected.secondMoment(i))).as("second moment of %s", expected.layout().name(i))
                        .isTrue();
            }
        }
    }
}
