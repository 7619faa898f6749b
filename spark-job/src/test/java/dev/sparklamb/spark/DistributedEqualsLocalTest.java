package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import dev.sparklamb.spark.update.LocalTrainer;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** K distributed steps with P partitions equal K single-process steps on the same global batches. */
@ExtendWith(LocalSpark.class)
class DistributedEqualsLocalTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(700, 8, 7);

    @TempDir
    Path tmp;

    static String[] overrides(int partitions, String preset) {
        return new String[] {
            "model.preset=" + preset, "model.input-height=8", "model.input-width=8",
            "data.partitions=" + partitions,
            "training.global-batch=160", "training.micro-batch=24", "training.epochs=2", "training.max-steps=5",
            "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
            "optimizer.learning-rate.base=0.01", "optimizer.learning-rate.warmup-fraction=0.4",
        };
    }

    static float[] local(RunConfig config) {
        return local(config, DATA);
    }

    static float[] local(RunConfig config, TestSpark.Synthetic data) {
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), new Configuration());
        BatchPlan plan = new BatchPlan(data.labels().length, config.training().globalBatch(), config.training().epochs(),
                config.training().maxSteps(), config.seed());
        OptimizerConfig opt = config.optimizer().create(plan.totalSteps(), plan.globalBatch());
        return new LocalTrainer(spec, config.training().microBatch(), config.model().classes())
                .train(data.block(), plan, opt, plan.totalSteps()).parameters();
    }

    static void assertClose(float[] actual, float[] expected, double relative) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        assertThat(maxDiff / maxAbs).as("max |distributed - local| / max |local|").isLessThanOrEqualTo(relative);
    }

    @ParameterizedTest(name = "P = {0}")
    @ValueSource(ints = {1, 3, 4})
    void mlpMatchesSingleProcess(int partitions) {
        RunConfig config = TestSpark.config(tmp.resolve("out"), overrides(partitions, "mlp"));
        TrainedModel result = new SparkTrainer(spark, config).fit(DATA.frame(spark), null);
        assertThat(result.history()).hasSize(5);
        float[] expected = local(config);
        assertClose(result.parameters(), expected, 1e-5);
    }

    @Test
    void sameSeedGivesBitwiseIdenticalParameters() {
        TrainedModel a = new SparkTrainer(spark, TestSpark.config(tmp.resolve("a"), overrides(3, "mlp"))).fit(DATA.frame(spark), null);
        TrainedModel b = new SparkTrainer(spark, TestSpark.config(tmp.resolve("b"), overrides(3, "mlp"))).fit(DATA.frame(spark), null);
        assertThat(Arrays.equals(a.parameters(), b.parameters())).isTrue();
    }
}
