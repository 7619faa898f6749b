package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.allreduce.CommunicationMeter;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spark round trips per training step, counted with a {@link SparkListener} (jobs started and stages run, attributed
 * to steps by the step tag the engines set, {@link CommunicationMeter#PROPERTY}): the sharded all-reduce takes one
 * job of three stages per step for every optimizer, LAMB and LARS included (their trust ratios need every shard's
 * norms); only a step whose gradient is clipped takes a second job. Counts, not times.
 */
@ExtendWith(LocalSpark.class)
class StepJobsTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 7);

    @TempDir
    Path tmp;

    /** Jobs started and stages submitted per step (0-based), from the step tags of the jobs. */
    static final class StepCounter extends SparkListener {
        final Map<Long, int[]> perStep = new TreeMap<>();

        private synchronized void count(java.util.Properties properties, int what) {
            String tag = properties == null ? null : properties.getProperty(CommunicationMeter.PROPERTY);
            if (tag != null) {
                perStep.computeIfAbsent(Long.parseLong(tag.substring(tag.lastIndexOf('-') + 1)), k -> new int[2])[what]++;
            }
        }

        @Override
        public void onJobStart(SparkListenerJobStart event) {
            count(event.properties(), 0);
        }

        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted event) {
            count(event.properties(), 1);
        }

        synchronized Map<Long, int[]> counts() {
            return new TreeMap<>(perStep);
        }
    }

    record Counted(TrainedModel model, Map<Long, int[]> counts) {
    }

    Counted train(String name, String optimizer, String allReduce, String... extra) throws Exception {
        RunConfig config = TestSpark.config(tmp.resolve(name), ShardedAllReduceTest.overrides(3, optimizer, allReduce, 0, extra));
        StepCounter counter = new StepCounter();
        spark.sparkContext().addSparkListener(counter);
        try {
            TrainedModel model = new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            return new Counted(model, counter.counts());
        } finally {
            spark.sparkContext().removeSparkListener(counter);
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
