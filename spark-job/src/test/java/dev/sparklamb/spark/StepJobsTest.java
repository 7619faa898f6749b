package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.sequence.SequenceFixtures;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spark round trips per training step, counted with a {@link SparkListener} ({@link StepCounter}): the sharded all-reduce takes one
 * job of three stages per step for every optimizer, LAMB and LARS included (their trust ratios need every shard's
 * norms), and on masked-language-model data, whose gradient scale (1 / masked tokens) is known only after the
 * reduce; only a step whose gradient is clipped takes a second job. Counts, not times.
 */
@ExtendWith(LocalSpark.class)
class StepJobsTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 7);

    @TempDir
    Path tmp;

    record Counted(TrainedModel model, Map<Long, int[]> counts) {
    }

    Counted train(String name, String optimizer, String allReduce, String... extra) throws Exception {
        RunConfig config = TestSpark.config(tmp.resolve(name), ShardedAllReduceTest.overrides(3, optimizer, allReduce, 0, extra));
        try (StepCounter counter = new StepCounter(spark.sparkContext())) {
            TrainedModel model = new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
            return new Counted(model, counter.counts());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lamb", "lars", "adamw", "adam"})
    void aShardedStepIsOneJobOfThreeStages(String optimizer) throws Exception {
        Counted run = train(optimizer, optimizer, "sharded");
        assertThat(run.model().history()).hasSize(5);
        assertThat(run.counts().keySet()).as("steps with tagged jobs").containsExactly(0L, 1L, 2L, 3L, 4L);
        run.counts().forEach((step, c) -> {
            assertThat(c[0]).as("%s: Spark jobs of step %d", optimizer, step + 1).isEqualTo(1);
            assertThat(c[1]).as("%s: stages run in step %d", optimizer, step + 1).isEqualTo(3);
        });
    }

    /**
     * Token data divides each step's gradient by its masked tokens (summed over all partitions), not by the global
     * batch: the owners' first pass must use that divisor for the step to stay one job.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lamb", "lars"})
    void aShardedTokenStepIsOneJobOfThreeStages(String optimizer) throws Exception {
        String train = SequenceFixtures.write(spark, tmp.resolve("tokens"), SequenceFixtures.rows(SequenceFixtures.sequences(300, 11)),
                SequenceFixtures.SCHEMA);
        RunConfig config = TestSpark.config(tmp.resolve("out"), "data.format=tokens", "data.tokens.sequence-length=8",
                "data.train=\"" + train + "\"",
                "model.config-file=\"" + SequenceFixtures.networkFile(tmp.resolve("net"), SequenceFixtures.network(12345)) + "\"",
                "model.classes=" + SequenceFixtures.V, "data.partitions=3", "training.global-batch=64", "training.micro-batch=10",
                "training.max-steps=4", "optimizer.name=" + optimizer, "optimizer.weight-decay=0.01", "training.all-reduce=sharded",
                "training.all-reduce-fan-in=2");
        Map<Long, int[]> counts;
        List<StepMetrics> history;
        try (StepCounter counter = new StepCounter(spark.sparkContext())) {
            history = new SparkTrainer(spark, config).fit().history();
            counts = counter.counts();
        }
        assertThat(history).hasSize(4);
        assertThat(history).allSatisfy(m -> assertThat(m.sequence().maskedTokens())
                .as("loss divisor (masked tokens) differs from the global batch").isNotEqualTo(m.examples()));
        assertThat(history).allSatisfy(m -> assertThat(m.clipScale()).as("not clipped").isEqualTo(1.0));
        assertThat(counts.keySet()).as("steps with tagged jobs").containsExactly(0L, 1L, 2L, 3L);
        counts.forEach((step, c) -> {
            assertThat(c[0]).as("%s on tokens: Spark jobs of step %d", optimizer, step + 1).isEqualTo(1);
            assertThat(c[1]).as("%s on tokens: stages run in step %d", optimizer, step + 1).isEqualTo(3);
        });
    }

    @Test
    void aClippedLambStepTakesASecondJob() throws Exception {
        Counted run = train("clipped", "lamb", "sharded", "optimizer.max-gradient-norm=0.05");
        List<StepMetrics> history = run.model().history();
        assertThat(history.get(0).clipScale()).as("the first step is clipped").isLessThan(1.0);
        for (int i = 0; i < history.size(); i++) {
            boolean clipped = history.get(i).clipScale() < 1.0;
            int[] c = run.counts().get((long) i);
            assertThat(c[0]).as("jobs of step %d (clipped: %s)", i + 1, clipped).isEqualTo(clipped ? 2 : 1);
            assertThat(c[1]).as("stages of step %d (clipped: %s)", i + 1, clipped).isEqualTo(clipped ? 4 : 3);
        }
    }
}
