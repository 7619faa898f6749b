package dev.sparklamb.spark.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestFiles;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.LearningRateScaling;
import dev.sparklamb.spark.config.LearningRateSettings;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code training.next-stages}: one command runs both stages (stage 2 on other data, with its own batch and a
 * re-warmed learning rate), carrying parameters and optimizer state; a run interrupted in either stage and resumed
 * ends bitwise equal to the uninterrupted one.
 */
@ExtendWith(LocalSpark.class)
class StagedTrainingTest {

    static SparkSession spark;
    static String stage1Path;
    static String stage2Path;
    static TrainedModel uninterrupted;

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        stage1Path = TestFiles.parquet(TestSpark.synthetic(400, 8, 31).frame(spark), shared.resolve("stage1"));
        stage2Path = TestFiles.parquet(TestSpark.synthetic(300, 8, 32).frame(spark), shared.resolve("stage2"));
        uninterrupted = new SparkTrainer(spark, config(shared.resolve("reference"))).fit();
    }

    static RunConfig config(Path output, String... extra) {
        List<String> all = new ArrayList<>(List.of("data.train=\"" + stage1Path + "\"", "data.partitions=3",
                "model.input-height=8", "model.input-width=8",
                "training.global-batch=96", "training.micro-batch=32", "training.epochs=2", "training.max-steps=4",
                "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.learning-rate.base=0.01", "checkpoint.every-steps=3", "checkpoint.keep=5",
                "training.next-stages=[{train = \"" + stage2Path + "\", global-batch = 64, micro-batch = 16, steps = 3, "
                        + "learning-rate {base = 0.02, warmup-fraction = 0.5}}]"));
        all.addAll(List.of(extra));
        return TestSpark.config(output, all.toArray(new String[0]));
    }

    static SparkTrainer crashingAfter(RunConfig config, long step) {
        return new SparkTrainer(spark, config).listener((m, p, u) -> {
            if (p.nextStep() == step) {
                throw new IllegalStateException("simulated driver crash after step " + step);
            }
        });
    }

    @Test
    void bothStagesRunInOneCommandWithTheirOwnBatchAndARewarmedRate() throws IOException {
        List<StepMetrics> h = uninterrupted.history();
        assertThat(h).extracting(StepMetrics::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(h).extracting(StepMetrics::totalSteps).containsOnly(7L);
        assertThat(h).extracting(StepMetrics::stage).containsExactly(0, 0, 0, 0, 1, 1, 1);
        assertThat(h).extracting(StepMetrics::examples).containsExactly(96L, 96L, 96L, 96L, 64L, 64L, 64L);
        // stage 1: the run's own schedule over its 4 steps at batch 96; stage 2 starts its own warmup over its 3 steps at 64
        LearningRateSettings first = new LearningRateSettings(0.01, 512, LearningRateScaling.SQRT, 0.1, 1.0, 0.0);
        LearningRateSettings second = new LearningRateSettings(0.02, 512, LearningRateScaling.SQRT, 0.5, 1.0, 0.0);
        for (int s = 0; s < 4; s++) {
            assertThat(h.get(s).learningRate()).isEqualTo(first.schedule(4, 96).rate(s));
        }
        for (int s = 0; s < 3; s++) {
            assertThat(h.get(4 + s).learningRate()).isEqualTo(second.schedule(3, 64).rate(s));
        }
        assertThat(h.get(4).learningRate()).isLessThan(h.get(5).learningRate()); // warming up again
        JsonNode summary = new ObjectMapper().readTree(shared.resolve("reference").resolve("summary.json").toFile());
        assertThat(summary.get("steps").asLong()).isEqualTo(7);
        assertThat(summary.get("stages")).hasSize(2);
        assertThat(summary.get("stages").get(1).get("globalBatch").asInt()).isEqualTo(64);
        assertThat(summary.get("stages").get(1).get("trainingExamples").asLong()).isEqualTo(300);
        List<String> lines = Files.readAllLines(shared.resolve("reference").resolve("metrics.jsonl"));
        assertThat(lines).hasSize(7);
        assertThat(new ObjectMapper().readTree(lines.get(6)).get("stage").asInt()).isEqualTo(1);
    }

    @ParameterizedTest(name = "interrupted after step {0}")
    @ValueSource(ints = {2, 4, 6})
    void resumedInEitherStageEqualsTheUninterruptedRunBitwise(int step) throws IOException {
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> crashingAfter(config(out), step).fit()).hasMessageContaining("simulated driver crash");
        TrainedModel resumed = new SparkTrainer(spark, config(out)).resume(true).fit();
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted.parameters())).as("bitwise equal to the uninterrupted run").isTrue();
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            steps.add(new ObjectMapper().readTree(line).get("step").asLong());
        }
        assertThat(steps).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        long checkpointed = step >= 4 ? (step >= 6 ? 6 : 4) : 0; // every 3 steps and at the end of stage 1
        assertThat(resumed.history().get(0).step()).isEqualTo(checkpointed + 1);
    }

    @Test
    void theResolvedConfigurationOfAStagedRunLoadsBackToTheSameStages() {
        RunConfig c = config(tmp.resolve("x"));
        String rendered = dev.sparklamb.spark.config.ResolvedConfiguration.of(c).render();
        RunConfig back = dev.sparklamb.spark.config.ConfigLoader.load(rendered, "rendered", List.of());
        assertThat(back.training().nextStages()).isEqualTo(c.training().nextStages());
        assertThat(back.training().nextStages().get(0).learningRate().base()).isEqualTo(0.02);
        assertThat(back.training().nextStages().get(0).microBatch()).isEqualTo(16);
    }

    @Test
    void stagesAreValidatedNamingTheKey() {
        String base = "data.train=\"x\"";
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.next-stages=[{train = \"y\", global-batch = 8, steps = 2}]"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.training.max-steps must be > 0 with spark-lamb.training.next-stages");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 8, step = 2}]"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown configuration key 'spark-lamb.training.next-stages[0].step'");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 8}]"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.training.next-stages[0].steps must be set");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 8, steps = 2, learning-rate {peak = 1}}]"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown configuration key 'spark-lamb.training.next-stages[0].learning-rate.peak'");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 8, steps = 2, sequence-length = 16}]"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.training.next-stages[0].sequence-length is 16 but spark-lamb.data.format is not tokens");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3", "data.format=tokens", "data.tokens.sequence-length=8",
                "training.next-stages=[{train = \"y\", global-batch = 8, steps = 2}]"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.training.next-stages[0].sequence-length must be set");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 8, micro-batch = 9, steps = 2}]"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.training.next-stages[0].micro-batch must be in [1, global-batch = 8]");
        assertThatThrownBy(() -> TestSpark.config(tmp, base, "training.max-steps=3",
                "training.next-stages=[{train = \"y\", global-batch = 2.5, steps = 2}]"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.training.next-stages[0].global-batch is 2.5");
        // the first stage must really run max-steps: 1 epoch of 4 steps cannot give 6
        assertThatThrownBy(() -> new SparkTrainer(spark, config(tmp.resolve("short"), "training.epochs=1", "training.max-steps=6")).fit())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("raise training.epochs");
        assertThat(tmp.resolve("short")).doesNotExist();
    }
}
