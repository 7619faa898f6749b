package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.config.OptimizerKind;
import dev.sparklamb.spark.config.OptimizerValues;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.SoftAssertions;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Bad input through {@link SparkTrainer#fit()} with configured paths: each case fails with the project's exception
 * type, a message naming the file, row, column or key and what was expected, and leaves no output directory (nor
 * cached data) behind.
 */
@ExtendWith(LocalSpark.class)
class BadInputTest {

    static SparkSession spark;
    static final TestSpark.Synthetic DATA = TestSpark.synthetic(200, 8, 11);

    @TempDir
    Path tmp;

    Path out;

    @AfterEach
    void nothingLeftCached() {
        assertThat(spark.sparkContext().getPersistentRDDs().isEmpty())
                .as("cached RDDs left after a failed run: %s", spark.sparkContext().getPersistentRDDs()).isTrue();
    }

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

    String parquet(Dataset<Row> frame, String name) {
        return TestFiles.parquet(frame, tmp.resolve(name));
    }

    /** Name of the one data file in a directory written by {@link TestFiles#parquet}. */
    static String dataFile(String dirUri) throws Exception {
        try (var s = Files.list(Path.of(java.net.URI.create(dirUri)))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("part-")).findFirst().orElseThrow();
        }
    }

    // ---- paths ----

    @Test
    void fileThatIsNotParquet() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("not-parquet"));
        Files.writeString(dir.resolve("part-00000.parquet"), "this is not a parquet file, only some text");
        fails(config(dir.toUri().toString()), "not-parquet");
    }

    @Test
    void trainingPathNotSet() {
        fails(config("", "data.train=\"\""), "spark-lamb.data.train");
    }

    @Test
    void missingPath() {
        String missing = tmp.resolve("no-such-data").toUri().toString();
        fails(config(missing), missing, "does not exist");
    }

    @Test
    void directoryWithNoDataFiles() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty-dir"));
        Files.writeString(dir.resolve("_SUCCESS"), "");
        fails(config(dir.toUri().toString()), "empty-dir", "no data files");
    }

    @Test
    void missingTestData() {
        String train = parquet(DATA.frame(spark), "train");
        String missing = tmp.resolve("no-test").toUri().toString();
        fails(config(train, "data.test=\"" + missing + "\""), "test data", missing, "does not exist");
    }

    // ---- schema ----

    @Test
    void noFeaturesColumn() {
        StructType schema = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.FloatType), false)
                .add("label", DataTypes.IntegerType, false);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create(DATA.features()[i], DATA.labels()[i]));
        }
        String path = parquet(spark.createDataFrame(rows, schema), "pixels");
        fails(config(path), "'features'", "spark-lamb.data.features-column", "pixels");
    }

    @Test
    void featuresColumnOfStrings() {
        StructType schema = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.IntegerType);
        String path = parquet(spark.createDataFrame(List.of(RowFactory.create("0.1 0.2", 1), RowFactory.create("0.3 0.4", 2)), schema),
                "strings");
        fails(config(path), "'features'", "string", "array");
    }

    @Test
    void featuresColumnOfStringArrays() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.StringType))
                .add("label", DataTypes.IntegerType);
        String path = parquet(spark.createDataFrame(List.of(RowFactory.create(new String[] {"a"}, 1)), schema), "string-arrays");
        fails(config(path), "'features'", "array<string>");
    }

    @Test
    void noLabelColumn() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType));
        String path = parquet(spark.createDataFrame(List.of(RowFactory.create((Object) DATA.features()[0])), schema), "no-label");
        fails(config(path), "'label'", "spark-lamb.data.label-column");
    }

    @Test
    void labelColumnOfStringsNamesTheExpectedRange() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.StringType);
        String path = parquet(spark.createDataFrame(List.of(RowFactory.create(DATA.features()[0], "cat")), schema), "string-label");
        // 10 classes: the message should state the actual range, 0..9.
        fails(config(path), "'label'", "string", "0..9");
    }

    @Test
    void csvWithANonNumericFeatureColumn() throws Exception {
        Path csv = tmp.resolve("csv-text").resolve("data.csv");
        Files.createDirectories(csv.getParent());
        StringBuilder s = new StringBuilder("label,a,b\n");
        for (int i = 0; i < 10; i++) {
            s.append(i).append(",0.5,word").append(i).append('\n');
        }
        Files.writeString(csv, s);
        fails(config(csv.getParent().toUri().toString(), "data.format=csv", "model.input-height=1", "model.input-width=2"),
                "'b'", "string", "numeric");
    }

    @Test
    void csvWithoutTheLabelColumn() throws Exception {
        Path csv = tmp.resolve("csv-nolabel").resolve("data.csv");
        TestFiles.csv(DATA, csv);
        Files.writeString(csv, Files.readString(csv).replaceFirst("^label,", "class,"));
        fails(config(csv.toUri().toString(), "data.format=csv"), "'label'", "spark-lamb.data.label-column");
    }

    // ---- feature count ----

    @Test
    void featureArrayLongerOrShorterThanTheModelInput() throws Exception {
        String path = parquet(DATA.frame(spark), "eight-by-eight");
        Throwable e = fails(config(path, "model.input-height=10", "model.input-width=10"), "'features'", "64", "100", "row 0");
        assertThat(e).isInstanceOf(DataException.class);
        assertThat(e.getMessage()).contains(dataFile(path));
    }

    @Test
    void csvFeatureColumnsThatDoNotFitTheModelInput() {
        Path csv = TestFiles.csv(DATA, tmp.resolve("csv-64").resolve("data.csv"));
        fails(config(csv.toUri().toString(), "data.format=csv", "model.input-height=4", "model.input-width=4"), "64", "16");
    }

    @Test
    void configFileModelWhoseInputDoesNotFitTheFeatures() throws Exception {
        // The data has 64 features (model.input-* = 8x8) but the configured network's first layer takes 100 inputs.
        Path model = tmp.resolve("mlp-100.json");
        Files.writeString(model, mlpJson(100, 10));
        String path = parquet(DATA.frame(spark), "train");
        fails(config(path, "model.config-file=\"" + model.toUri() + "\""), "spark-lamb.model");
    }

    @Test
    void configFileModelWhoseOutputDoesNotMatchTheClasses() throws Exception {
        Path model = tmp.resolve("mlp-5-classes.json");
        Files.writeString(model, mlpJson(64, 5));
        String path = parquet(DATA.frame(spark), "train");
        fails(config(path, "model.config-file=\"" + model.toUri() + "\""), "spark-lamb.model");
    }

    static String mlpJson(int nIn, int nOut) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new NoOp()).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(nOut).activation(Activation.SOFTMAX).build())
                .build().toJson();
    }

    // ---- values ----

    @Test
    void labelEqualToTheNumberOfClasses() throws Exception {
        String path = parquet(TestFiles.withLabel(DATA, 37, 10).frame(spark), "label-10");
        Throwable e = fails(config(path), "row 37", "label 10", "'label'", "[0, 10)");
        assertThat(e).isInstanceOf(DataException.class);
        assertThat(e.getMessage()).contains(dataFile(path));
    }

    @Test
    void negativeLabel() {
        String path = parquet(TestFiles.withLabel(DATA, 5, -1).frame(spark), "label-minus-1");
        fails(config(path), "row 5", "label -1", "[0, 10)");
    }

    @Test
    void fractionalLabel() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(RowFactory.create(DATA.features()[i], i == 3 ? 2.5 : (double) DATA.labels()[i]));
        }
        fails(config(parquet(spark.createDataFrame(rows, schema), "fractional")), "row 3", "2.5");
    }

    @Test
    void nullLabel() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(RowFactory.create(DATA.features()[i], i == 8 ? null : DATA.labels()[i]));
        }
        fails(config(parquet(spark.createDataFrame(rows, schema), "null-label")), "row 8", "'label'", "null");
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
    void nanFeature() throws Exception {
        String path = parquet(TestFiles.withFeature(DATA, 12, 3, Float.NaN).frame(spark), "nan");
        Throwable e = fails(config(path), "row 12", "value 3", "NaN", "finite");
        assertThat(e.getMessage()).contains(dataFile(path));
    }

    @Test
    void infiniteFeature() {
        String path = parquet(TestFiles.withFeature(DATA, 40, 63, Float.NEGATIVE_INFINITY).frame(spark), "inf");
        fails(config(path), "row 40", "value 63", "Infinity", "finite");
    }

    @Test
    void nanFeatureInCsv() {
        Path csv = TestFiles.csv(TestFiles.withFeature(DATA, 12, 3, Float.NaN), tmp.resolve("csv-nan").resolve("data.csv"));
        fails(config(csv.toUri().toString(), "data.format=csv"), "row 12", "'f3'", "NaN", "data.csv");
    }

    @Test
    void nullElementInTheFeatureArray() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, true))
                .add("label", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Float[] x = new Float[64];
            for (int j = 0; j < 64; j++) {
                x[j] = i == 9 && j == 4 ? null : DATA.features()[i][j];
            }
            rows.add(RowFactory.create(x, DATA.labels()[i]));
        }
        fails(config(parquet(spark.createDataFrame(rows, schema), "null-element")), "row 9", "value 4", "null");
    }

    @Test
    void malformedCsvRow() throws Exception {
        Path csv = TestFiles.csv(DATA, tmp.resolve("csv-short").resolve("data.csv"));
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        lines.set(21, "3,0.5,0.25");
        Files.write(csv, lines);
        fails(config(csv.toUri().toString(), "data.format=csv"), "csv-short");
    }

    // ---- size ----

    @Test
    void emptyParquetDataSet() {
        String path = parquet(spark.createDataFrame(List.of(), MnistImporter.SCHEMA), "zero-rows");
        fails(config(path), "zero-rows", "no rows");
    }

    @Test
    void csvWithOnlyAHeader() throws Exception {
        Path csv = tmp.resolve("csv-header-only").resolve("data.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, "label,f0,f1,f2,f3\n");
        fails(config(csv.toUri().toString(), "data.format=csv", "model.input-height=2", "model.input-width=2"), "csv-header-only");
    }

    @Test
    void globalBatchLargerThanTheDataSet() {
        String path = parquet(DATA.frame(spark), "train");
        fails(config(path, "training.global-batch=500"), "spark-lamb.training.global-batch", "500", "200");
    }

    // ---- model and output ----

    @Test
    void unknownPresetInTheConfiguration() {
        out = tmp.resolve("out");
        Throwable e = catchThrowable(() -> config(parquet(DATA.frame(spark), "train"), "model.preset=resnet"));
        assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.preset").hasMessageContaining("resnet");
        assertThat(out).doesNotExist();
    }

    @Test
    void unknownPresetInARunConfigBuiltByCode() {
        RunConfig valid = config(parquet(DATA.frame(spark), "train"));
        ModelSettings m = valid.model();
        Throwable e = catchThrowable(() -> new ModelSettings("resnet", "", m.inputHeight(), m.inputWidth(), m.inputChannels(), m.classes()));
        assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.preset")
                .hasMessageContaining("expected one of [mlp, lenet, resnet-mini], got 'resnet'");
        assertThat(out).doesNotExist();
    }

    /**
     * A key the chosen optimizer does not use (set to anything but its default) is refused, naming the key, its value
     * and the optimizer, before anything is written.
     */
    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource(delimiter = '|', value = {
            "optimizer.momentum = 0.95                         | lamb  | spark-lamb.optimizer.momentum = 0.95",
            "optimizer.trust-coefficient = 0.001               | lamb  | spark-lamb.optimizer.trust-coefficient = 0.001",
            "optimizer.momentum = 0.5                          | adamw | spark-lamb.optimizer.momentum = 0.5",
            "optimizer.trust-coefficient = 2                   | adam  | spark-lamb.optimizer.trust-coefficient = 2.0",
            "optimizer.beta1 = 0.8                             | lars  | spark-lamb.optimizer.beta1 = 0.8",
            "optimizer.beta2 = 0.99                            | lars  | spark-lamb.optimizer.beta2 = 0.99",
            "optimizer.epsilon = 1e-6                          | lars  | spark-lamb.optimizer.epsilon = 1.0E-6",
            "optimizer.bias-correction = false                 | lars  | spark-lamb.optimizer.bias-correction = false",
            "optimizer.bias-correction = false                 | adamw | spark-lamb.optimizer.bias-correction = false",
            "optimizer.bias-correction = false                 | adam  | spark-lamb.optimizer.bias-correction = false",
            "optimizer.exclude-from-layer-adaptation = [\"_b$\"] | adamw | spark-lamb.optimizer.exclude-from-layer-adaptation = [_b$]",
            "optimizer.trust-ratio-min = 0.01                  | adam  | spark-lamb.optimizer.trust-ratio-min = 0.01",
            "optimizer.trust-ratio-max = 10                    | adamw | spark-lamb.optimizer.trust-ratio-max = 10.0"})
    void keyTheOptimizerDoesNotUse(String setting, String optimizer, String shown) {
        Throwable e = catchThrowable(() -> config("file:///not-read", "optimizer.name=" + optimizer, setting));
        assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining(shown)
                .hasMessageContaining("not used by optimizer " + optimizer + " (spark-lamb.optimizer.name = " + optimizer + ")");
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

    @Test
    void missingModelConfigFile() {
        String missing = tmp.resolve("no-model.json").toUri().toString();
        Throwable e = fails(config(parquet(DATA.frame(spark), "train"), "model.config-file=\"" + missing + "\""),
                "spark-lamb.model.config-file", "does not exist");
        assertThat(e).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void modelConfigFileThatIsNotDl4jJson() throws Exception {
        Path model = tmp.resolve("model.json");
        Files.writeString(model, "{\"hello\": 1}");
        fails(config(parquet(DATA.frame(spark), "train"), "model.config-file=\"" + model.toUri() + "\""),
                "spark-lamb.model.config-file", "model.json");
    }

    @Test
    void outputDirectoryThatIsNotEmpty() throws Exception {
        String path = parquet(DATA.frame(spark), "train");
        RunConfig config = config(path);
        Files.createDirectories(out.resolve("sub"));
        Files.writeString(out.resolve("keep.txt"), "earlier run");
        Files.writeString(out.resolve("sub").resolve("metrics.jsonl"), "{}\n");
        Map<String, String> before = TestFiles.snapshot(out);
        Throwable e = catchThrowable(() -> new SparkTrainer(spark, config).fit());
        TestFiles.assertUserError(e, "spark-lamb.output", "not empty");
        assertThat(TestFiles.snapshot(out)).as("contents of the existing output directory").isEqualTo(before);
    }

    @Test
    void outputPathThatIsAFile() throws Exception {
        String path = parquet(DATA.frame(spark), "train");
        RunConfig config = config(path);
        Files.writeString(out, "not a directory");
        Throwable e = catchThrowable(() -> new SparkTrainer(spark, config).fit());
        TestFiles.assertUserError(e, "spark-lamb.output", "file");
        assertThat(Files.readString(out)).isEqualTo("not a directory");
        assertThat(Arrays.asList(tmp.toFile().list())).contains("out");
    }
}
