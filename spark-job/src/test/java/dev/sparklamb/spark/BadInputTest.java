package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.config.OptimizerKind;
import dev.sparklamb.spark.config.OptimizerValues;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input through the library ({@link ConfigLoader} and {@link SparkTrainer#fit()}): every row of {@link BadInputCases}
 * fails with the row's exception type and a message naming the file, row, column or key and what was expected, leaves
 * no output directory behind (nor changes any file, nor leaves cached data). The cases that exist only at this layer
 * (configuration values built by code, a data set written in several appends) follow the table.
 */
@ExtendWith(LocalSpark.class)
class BadInputTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(200, 8, 11);

    @TempDir
    static Path root;

    static BadInputCases.Fixtures fixtures;

    @TempDir
    Path tmp;

    Path out;

    @BeforeAll
    static void writeFixtures() throws Exception {
        fixtures = BadInputCases.Fixtures.write(spark, DATA, Files.createDirectories(root.resolve("fixtures")));
    }

    @AfterEach
    void nothingLeftCached() {
        assertThat(spark.sparkContext().getPersistentRDDs().isEmpty())
                .as("cached RDDs left after a failed run: %s", spark.sparkContext().getPersistentRDDs()).isTrue();
    }

    /** A small valid run (8x8 MLP, 2 steps) over the fixtures' train and test data, writing to {@code out}. */
    static List<String> base(Path out) {
        return new ArrayList<>(List.of("spark-lamb.output=\"" + out.toUri() + "\"", "spark-lamb.model.input-height=8",
                "spark-lamb.model.input-width=8", "spark-lamb.data.partitions=2", "spark-lamb.training.global-batch=64",
                "spark-lamb.training.micro-batch=32", "spark-lamb.training.max-steps=2",
                "spark-lamb.data.train=\"" + fixtures.trainParquet().toUri() + "\"",
                "spark-lamb.data.test=\"" + fixtures.testParquet().toUri() + "\""));
    }

    /**
     * One row of the table: loading the configuration or fitting fails with the row's exception type, the message holds
     * every part, and no file under the test's directories (fixtures, the case's own files, an existing output
     * directory) was created, changed or deleted.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.sparklamb.spark.BadInputCases#all")
    void badInput(BadInputCases.Case c) throws Exception {
        Path dir = Files.createDirectories(root.resolve("cases").resolve("case-" + System.nanoTime()));
        BadInputCases.Input input = c.setup().prepare(fixtures, dir);
        out = BadInputCases.output(dir);
        boolean outExisted = Files.exists(out);
        List<String> overrides = base(out);
        overrides.addAll(input.overrides());
        Map<String, String> before = TestFiles.snapshot(root);
        Throwable e = catchThrowable(() -> new SparkTrainer(spark, ConfigLoader.load("", "test", overrides)).fit());
        Map<String, String> after = TestFiles.snapshot(root);
        assertThat(e).as("case '%s': loading or fitting should fail", c.name()).isNotNull();
        List<String> parts = new ArrayList<>(c.messageParts());
        parts.addAll(input.messageParts());
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(e).as("case '%s': exception type", c.name()).isInstanceOf(c.kind().type);
            for (String part : parts) {
                soft.assertThat(e.getMessage()).as("case '%s': the message names the problem", c.name()).contains(part);
            }
            if (!outExisted) {
                soft.assertThat(out).as("case '%s': output directory after a failed run (%s)", c.name(), e).doesNotExist();
            }
            soft.assertThat(after).as("case '%s': files under the test's directory", c.name()).isEqualTo(before);
        });
    }

    // ---- cases only the library has ----

    /** A small valid run over {@code train} (8x8 MLP, 2 steps) with these further overrides. */
    RunConfig config(String train, String... more) {
        out = tmp.resolve("out");
        List<String> o = new ArrayList<>(List.of("model.input-height=8", "model.input-width=8", "data.partitions=2",
                "training.global-batch=64", "training.micro-batch=32", "training.max-steps=2"));
        o.add("data.train=\"" + train + "\"");
        o.addAll(List.of(more));
        return TestSpark.config(out, o.toArray(new String[0]));
    }

    /** Runs the trainer, expecting failure; checks the exception and that no output directory was created. */
    Throwable fails(RunConfig config, String... messageParts) {
        Throwable e = catchThrowable(() -> new SparkTrainer(spark, config).fit());
        assertThat(e).as("fit() should fail").isNotNull();
        // Both checks are reported, so a failure shows the exception and whether an output directory was left.
        SoftAssertions.assertSoftly(soft -> {
            soft.check(() -> TestFiles.assertUserError(e, messageParts));
            soft.assertThat(out).as("output directory after a failed run (%s)", e).doesNotExist();
        });
        return e;
    }

    @Test
    void labelOutOfRangeInALaterFileNamesTheRowWithinThatFile() throws Exception {
        // Three files in one directory; the bad one is not the largest, so Spark does not read it first.
        Path dir = tmp.resolve("three-files");
        String uri = dir.toUri().toString();
        TestSpark.Synthetic bad = TestFiles.withLabel(DATA, 137, 12);
        Dataset<Row> all = bad.frame(spark);
        all.limit(100).coalesce(1).write().parquet(uri);
        List<Row> rows = all.collectAsList();
        spark.createDataFrame(rows.subList(150, 200), MnistImporter.SCHEMA).coalesce(1).write().mode(SaveMode.Append).parquet(uri);
        Set<String> before = new HashSet<>(TestFiles.names(dir));
        spark.createDataFrame(rows.subList(100, 150), MnistImporter.SCHEMA).coalesce(1).write().mode(SaveMode.Append).parquet(uri);
        String badFile = TestFiles.names(dir).stream().filter(n -> n.startsWith("part-") && !before.contains(n)).findFirst().orElseThrow();
        Throwable e = fails(config(uri), "label 12", badFile);
        // Row 137 of the data is row 37 of the file that holds it; the message says "row N (0-based, in file order)".
        assertThat(e.getMessage()).contains("row 37 ");
    }

    @Test
    void unknownPresetInARunConfigBuiltByCode() {
        RunConfig valid = config(fixtures.trainParquet().toUri().toString());
        ModelSettings m = valid.model();
        Throwable e = catchThrowable(() -> new ModelSettings("resnet", "", m.inputHeight(), m.inputWidth(), m.inputChannels(), m.classes()));
        assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.preset")
                .hasMessageContaining("expected one of [mlp, lenet, resnet-mini, bert-mini], got 'resnet'");
        assertThat(out).doesNotExist();
    }

    @Test
    void keyTheOptimizerDoesNotUseInValuesBuiltByCode() {
        OptimizerValues d = OptimizerValues.defaults();
        OptimizerValues momentumForLamb = new OptimizerValues(OptimizerKind.LAMB, d.baseLearningRate(), d.baseBatch(), d.scaling(),
                d.warmupFraction(), d.decayPower(), d.endLearningRate(), d.weightDecay(), d.excludeFromWeightDecay(),
                d.excludeFromLayerAdaptation(), d.maxGradientNorm(), d.trustRatioMin(), d.trustRatioMax(), d.beta1(), d.beta2(),
                d.epsilon(), d.biasCorrection(), 0.95, d.trustCoefficient(), d.excludeBatchNorm());
        assertThat(catchThrowable(momentumForLamb::settings)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("spark-lamb.optimizer.momentum = 0.95 (default 0.9; used by [lars]): not used by optimizer lamb");
    }
}
