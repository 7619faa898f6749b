package dev.sparklamb.spark;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.MnistImporter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The bad-input table shared by the two layers that report the user's mistakes: {@code BadInputTest} runs every row
 * through the library ({@code ConfigLoader} and {@code SparkTrainer}) and checks the exception type and message;
 * submit's {@code HostileInputTest} runs every row through the command line and checks the exit code, the
 * {@code spark-lamb:} line, the absence of a stack trace and that no file changed.
 *
 * <p>A row is applied to a valid run over {@link Fixtures} (200 examples of 8x8, 10 classes, 2 steps or more of 64):
 * its setup may write files into the case's own directory and returns configuration overrides (HOCON, full keys
 * {@code spark-lamb.…}) that are applied last, plus message parts known only once the files exist. The run's output
 * directory is {@link #output(Path)} of the case's directory; a row may create it to make it unusable.
 */
public final class BadInputCases {

    private BadInputCases() {
    }

    /** What kind of mistake a row is: the exception the library throws and the exit code the command line returns. */
    public enum Kind {
        CONFIGURATION(ConfigurationException.class, 2),
        DATA(DataException.class, 3);

        public final Class<? extends RuntimeException> type;
        public final int exitCode;

        Kind(Class<? extends RuntimeException> type, int exitCode) {
            this.type = type;
            this.exitCode = exitCode;
        }
    }

    /** Shared, read-only data every layer provides: the examples, as Parquet (train, first 100 as test) and as CSV. */
    public record Fixtures(SparkSession spark, TestSpark.Synthetic data, Path trainParquet, Path testParquet, Path trainCsv) {

        /** Writes train.parquet, test.parquet (the first 100 examples) and train.csv of {@code data} into {@code dir}. */
        public static Fixtures write(SparkSession spark, TestSpark.Synthetic data, Path dir) {
            Path train = dir.resolve("train.parquet");
            Path test = dir.resolve("test.parquet");
            TestFiles.parquet(data.frame(spark), train);
            TestFiles.parquet(TestFiles.head(data, 100).frame(spark), test);
            return new Fixtures(spark, data, train, test, TestFiles.csv(data, dir.resolve("train.csv")));
        }
    }

    /** What a row's setup hands to the layer under test. */
    public record Input(List<String> overrides, List<String> messageParts) {
    }

    /** Creates a row's files in the case directory {@code dir} and says how to run it. */
    @FunctionalInterface
    public interface Setup {
        Input prepare(Fixtures f, Path dir) throws Exception;
    }

    /** One row: the message must contain every one of {@code messageParts} (and those its setup adds). */
    public record Case(String name, Kind kind, List<String> messageParts, Setup setup) {

        @Override
        public String toString() {
            return name;
        }
    }

    /** The output directory of a case run in {@code dir}. */
    public static Path output(Path dir) {
        return dir.resolve("out");
    }

    /** Every row: configuration keys, model files, output paths, then data. */
    public static Stream<Case> all() {
        List<Case> all = new ArrayList<>();
        all.addAll(configurationCases());
        all.addAll(inapplicableKeyCases());
        all.addAll(modelCases());
        all.addAll(outputCases());
        all.addAll(dataPathCases());
        all.addAll(dataCases());
        all.addAll(csvCases());
        all.addAll(scaleCases());
        return all.stream();
    }

    static final Kind CONFIG = Kind.CONFIGURATION;
    static final Kind DATA = Kind.DATA;

    static Case row(String name, Kind kind, List<String> parts, Setup setup) {
        return new Case(name, kind, parts, setup);
    }

    /** A row that only sets configuration values. */
    static Case keys(String name, Kind kind, List<String> parts, String... overrides) {
        return row(name, kind, parts, (f, dir) -> new Input(List.of(overrides), List.of()));
    }

    static Input input(String... overrides) {
        return new Input(List.of(overrides), List.of());
    }

    /** Training on {@code data} with these further overrides. */
    static Input train(Path data, String... more) {
        List<String> o = new ArrayList<>(List.of("spark-lamb.data.train=\"" + data.toUri() + "\""));
        o.addAll(List.of(more));
        return new Input(o, List.of());
    }

    static List<Case> configurationCases() {
        return List.of(
                keys("config: wrong type, string for an integer (training.epochs = \"many\")", CONFIG,
                        List.of("spark-lamb.training.epochs", "STRING"), "spark-lamb.training.epochs = \"many\""),
                keys("config: wrong type, object for a number (training.global-batch { size = 64 })", CONFIG,
                        List.of("spark-lamb.training.global-batch"), "spark-lamb.training.global-batch { size = 64 }"),
                keys("config: wrong type, list for a string (optimizer.name = [lamb])", CONFIG,
                        List.of("spark-lamb.optimizer.name"), "spark-lamb.optimizer.name = [lamb]"),
                keys("config: wrong type, string for a boolean (optimizer.bias-correction = maybe)", CONFIG,
                        List.of("spark-lamb.optimizer.bias-correction"), "spark-lamb.optimizer.bias-correction = maybe"),
                keys("config: unknown key (training.learning-rate)", CONFIG,
                        List.of("spark-lamb.training.learning-rate", "unknown configuration key"), "spark-lamb.training.learning-rate = 0.1"),
                keys("config: misspelled root (spark_lamb)", CONFIG,
                        List.of("spark_lamb", "unknown configuration key"), "spark_lamb.training.epochs = 3"),
                keys("config: global-batch = 0", CONFIG,
                        List.of("spark-lamb.training.global-batch", "got 0"), "spark-lamb.training.global-batch = 0"),
                keys("config: global-batch negative (-64)", CONFIG,
                        List.of("spark-lamb.training.global-batch", "got -64"), "spark-lamb.training.global-batch = -64"),
                keys("config: micro-batch = 0", CONFIG,
                        List.of("spark-lamb.training.micro-batch", "got 0"), "spark-lamb.training.micro-batch = 0"),
                keys("config: micro-batch negative (-1)", CONFIG,
                        List.of("spark-lamb.training.micro-batch", "got -1"), "spark-lamb.training.micro-batch = -1"),
                keys("config: micro-batch larger than global-batch (128 > 64)", CONFIG,
                        List.of("spark-lamb.training.micro-batch (128)", "spark-lamb.training.global-batch (64)"),
                        "spark-lamb.training.micro-batch = 128"),
                keys("config: global-batch larger than the data set (256 > 200 examples)", CONFIG,
                        List.of("spark-lamb.training.global-batch", "256", "200"),
                        "spark-lamb.training { global-batch = 256, micro-batch = 32 }"),
                keys("config: learning rate NaN", CONFIG,
                        List.of("spark-lamb.optimizer.learning-rate.base", "NaN"), "spark-lamb.optimizer.learning-rate.base = NaN"),
                keys("config: learning rate negative", CONFIG,
                        List.of("spark-lamb.optimizer.learning-rate.base", "-0.01"), "spark-lamb.optimizer.learning-rate.base = -0.01"),
                keys("config: beta1 = 1 (outside [0, 1))", CONFIG, List.of("spark-lamb.optimizer.beta1"), "spark-lamb.optimizer.beta1 = 1.0"),
                keys("config: unknown optimizer (sgd)", CONFIG, List.of("spark-lamb.optimizer.name", "sgd"), "spark-lamb.optimizer.name = sgd"),
                keys("config: unknown data format (json)", CONFIG, List.of("spark-lamb.data.format", "json"), "spark-lamb.data.format = json"),
                keys("config: one class (model.classes = 1)", CONFIG, List.of("spark-lamb.model.classes"), "spark-lamb.model.classes = 1"),
                keys("config: invalid regex in exclude-from-weight-decay", CONFIG,
                        List.of("spark-lamb.optimizer.exclude-from-weight-decay", "(_b"),
                        "spark-lamb.optimizer.exclude-from-weight-decay = [\"(_b\"]"),
                keys("config: integer out of range (training.global-batch = 3000000000)", CONFIG,
                        List.of("spark-lamb.training.global-batch", "out of range", "2147483647"),
                        "spark-lamb.training.global-batch = 3000000000"),
                keys("config: integer with a unit suffix (checkpoint.every-steps = 10s)", CONFIG,
                        List.of("spark-lamb.checkpoint.every-steps", "unit suffix ('s')"), "spark-lamb.checkpoint.every-steps = 10s"),
                keys("config: unknown model preset (resnet)", CONFIG, List.of("spark-lamb.model.preset", "resnet"),
                        "spark-lamb.model.preset = resnet"),
                keys("config: training path not set (data.train = \"\")", DATA, List.of("spark-lamb.data.train"), "spark-lamb.data.train = \"\""),
                keys("network: model.freeze matches no tensor", CONFIG,
                        List.of("spark-lamb.model.freeze", "'^7_' matches no tensor", "0_W"), "spark-lamb.model.freeze = [\"^7_\"]"),
                keys("network: model.freeze is not a regular expression", CONFIG,
                        List.of("spark-lamb.model.freeze", "(0_", "not a valid regular expression"), "spark-lamb.model.freeze = [\"(0_\"]"),
                keys("network: model.freeze freezes every tensor", CONFIG, List.of("no tensor left to train"), "spark-lamb.model.freeze = [\".\"]"));
    }

    /**
     * A key the chosen optimizer does not use (set to anything but its default) is refused, naming the key, the value as
     * read, and the optimizer.
     */
    static List<Case> inapplicableKeyCases() {
        String[][] rows = {
                {"optimizer.momentum = 0.95", "lamb", "spark-lamb.optimizer.momentum = 0.95"},
                {"optimizer.trust-coefficient = 0.001", "lamb", "spark-lamb.optimizer.trust-coefficient = 0.001"},
                {"optimizer.momentum = 0.5", "adamw", "spark-lamb.optimizer.momentum = 0.5"},
                {"optimizer.trust-coefficient = 2", "adam", "spark-lamb.optimizer.trust-coefficient = 2.0"},
                {"optimizer.beta1 = 0.8", "lars", "spark-lamb.optimizer.beta1 = 0.8"},
                {"optimizer.beta2 = 0.99", "lars", "spark-lamb.optimizer.beta2 = 0.99"},
                {"optimizer.epsilon = 1e-6", "lars", "spark-lamb.optimizer.epsilon = 1.0E-6"},
                {"optimizer.bias-correction = false", "lars", "spark-lamb.optimizer.bias-correction = false"},
                {"optimizer.bias-correction = false", "adamw", "spark-lamb.optimizer.bias-correction = false"},
                {"optimizer.bias-correction = false", "adam", "spark-lamb.optimizer.bias-correction = false"},
                {"optimizer.exclude-from-layer-adaptation = [\"_b$\"]", "adamw", "spark-lamb.optimizer.exclude-from-layer-adaptation = [_b$]"},
                {"optimizer.trust-ratio-min = 0.01", "adam", "spark-lamb.optimizer.trust-ratio-min = 0.01"},
                {"optimizer.trust-ratio-max = 10", "adamw", "spark-lamb.optimizer.trust-ratio-max = 10.0"}};
        List<Case> cases = new ArrayList<>();
        for (String[] r : rows) {
            cases.add(keys("config: key the optimizer does not use (" + r[0] + " with " + r[1] + ")", CONFIG,
                    List.of(r[2], "not used by optimizer " + r[1] + " (spark-lamb.optimizer.name = " + r[1] + ")"),
                    "spark-lamb.optimizer.name = " + r[1], "spark-lamb." + r[0]));
        }
        return cases;
    }

    /** A two-layer MLP configuration (DL4J JSON) with {@code nIn} inputs and {@code nOut} classes. */
    public static String mlpJson(int nIn, int nOut) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new NoOp()).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(nOut).activation(Activation.SOFTMAX).build())
                .build().toJson();
    }

    static Setup modelFile(String name, String text) {
        return (f, dir) -> {
            Path model = dir.resolve(name);
            Files.writeString(model, text);
            return input("spark-lamb.model.config-file = \"" + model.toUri() + "\"");
        };
    }

    static List<Case> modelCases() {
        return List.of(
                row("model: config-file does not exist", CONFIG, List.of("spark-lamb.model.config-file", "does not exist"),
                        (f, dir) -> input("spark-lamb.model.config-file = \"" + dir.resolve("no-model.json").toUri() + "\"")),
                row("model: config-file that is not DL4J JSON", CONFIG, List.of("spark-lamb.model.config-file", "model.json"),
                        modelFile("model.json", "{\"hello\": 1}")),
                row("model: config-file whose input (100) does not fit the 64 features", CONFIG, List.of("spark-lamb.model"),
                        modelFile("mlp-100.json", mlpJson(100, 10))),
                row("model: config-file whose output (5) does not match the 10 classes", CONFIG, List.of("spark-lamb.model"),
                        modelFile("mlp-5-classes.json", mlpJson(64, 5))),
                row("network: model.init-from a file that is not a model zip", CONFIG,
                        List.of("spark-lamb.model.init-from", "notes.zip", "not a DL4J model zip"), (f, dir) -> {
                            Path zip = dir.resolve("notes.zip");
                            Files.writeString(zip, "not a zip");
                            return input("spark-lamb.model.init-from = \"" + zip.toUri() + "\"");
                        }),
                row("network: model.init-from a zip that does not exist", CONFIG,
                        List.of("spark-lamb.model.init-from", "missing.zip", "does not exist"),
                        (f, dir) -> input("spark-lamb.model.init-from = \"" + dir.resolve("missing.zip").toUri() + "\"")));
    }

    static List<Case> outputCases() {
        return List.of(
                row("output: existing non-empty directory (no --resume)", CONFIG, List.of("spark-lamb.output", "not empty"), (f, dir) -> {
                    Path out = Files.createDirectories(output(dir).resolve("sub"));
                    Files.writeString(output(dir).resolve("results.csv"), "earlier results");
                    Files.writeString(out.resolve("metrics.jsonl"), "{}\n");
                    return input();
                }),
                row("output: a regular file", CONFIG, List.of("spark-lamb.output", "is a file"), (f, dir) -> {
                    Files.writeString(output(dir), "not a directory");
                    return input();
                }));
    }

    static List<Case> dataPathCases() {
        return List.of(
                row("data: path does not exist", DATA, List.of("missing.parquet", "does not exist"), (f, dir) -> {
                    Path missing = dir.resolve("missing.parquet");
                    return new Input(train(missing).overrides(), List.of(missing.toUri().toString()));
                }),
                row("data: test path does not exist", DATA, List.of("test data", "no-test.parquet", "does not exist"), (f, dir) -> {
                    String missing = dir.resolve("no-test.parquet").toUri().toString();
                    return new Input(train(f.trainParquet(), "spark-lamb.data.test=\"" + missing + "\"").overrides(), List.of(missing));
                }),
                row("data: text file named .parquet", DATA, List.of("not-parquet/part-00000.parquet", "not a Parquet file"), (f, dir) -> {
                    Path p = Files.createDirectories(dir.resolve("not-parquet"));
                    Files.writeString(p.resolve("part-00000.parquet"), "this is not a parquet file, only some text\n");
                    return train(p);
                }),
                row("data: CSV file read as Parquet (format mismatch)", DATA, List.of("train.csv", "not a Parquet file"),
                        (f, dir) -> train(f.trainCsv())),
                row("data: truncated Parquet file (half of the bytes)", DATA, List.of("truncated.parquet/part-", "not a Parquet file"),
                        (f, dir) -> {
                            Path p = copyOfTrain(f, dir, "truncated.parquet");
                            Path part = partFile(p);
                            try (RandomAccessFile r = new RandomAccessFile(part.toFile(), "rw")) {
                                r.setLength(Files.size(part) / 2);
                            }
                            return train(p);
                        }),
                row("data: corrupt Parquet file (footer overwritten)", DATA, List.of("corrupt-footer.parquet/part-"), (f, dir) -> {
                    Path p = copyOfTrain(f, dir, "corrupt-footer.parquet");
                    Path part = partFile(p);
                    overwrite(part, Files.size(part) - 200, 150, (byte) 0x5A);
                    return train(p);
                }),
                row("data: corrupt Parquet file (data pages overwritten)", DATA, List.of("corrupt-pages.parquet/part-"), (f, dir) -> {
                    Path p = copyOfTrain(f, dir, "corrupt-pages.parquet");
                    Path part = partFile(p);
                    overwrite(part, 4, Files.size(part) / 2, (byte) 0xFF);
                    return train(p);
                }),
                row("data: empty file (0 bytes)", DATA, List.of("empty.parquet", "is empty"), (f, dir) -> {
                    Path p = dir.resolve("empty.parquet");
                    Files.createFile(p);
                    return train(p);
                }),
                row("data: directory holding one empty (0-byte) Parquet file", DATA, List.of("zero-byte-part/part-00000.parquet"), (f, dir) -> {
                    Path p = Files.createDirectories(dir.resolve("zero-byte-part"));
                    Files.createFile(p.resolve("part-00000.parquet"));
                    return train(p);
                }),
                row("data: empty directory", DATA, List.of("empty-dir", "contains no data files"),
                        (f, dir) -> train(Files.createDirectories(dir.resolve("empty-dir")))),
                row("data: directory with only _SUCCESS and hidden files", DATA, List.of("success-only", "contains no data files"), (f, dir) -> {
                    Path p = Files.createDirectories(dir.resolve("success-only"));
                    Files.createFile(p.resolve("_SUCCESS"));
                    Files.createFile(p.resolve("._SUCCESS.crc"));
                    return train(p);
                }),
                row("data: Parquet with zero rows", DATA, List.of("zero-rows.parquet", "no rows"), (f, dir) ->
                        train(parquet(f, dir.resolve("zero-rows.parquet"), List.of(), MnistImporter.SCHEMA))));
    }

    static List<Case> dataCases() {
        StructType floats = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType));
        return List.of(
                row("data: features column missing (features-column = pixels)", DATA, List.of("'pixels'", "spark-lamb.data.features-column"),
                        (f, dir) -> train(f.trainParquet(), "spark-lamb.data.features-column=pixels")),
                row("data: the features are in a column named pixels", DATA,
                        List.of("'features'", "spark-lamb.data.features-column", "pixels"), (f, dir) -> {
                            StructType schema = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.FloatType), false)
                                    .add("label", DataTypes.IntegerType, false);
                            return train(parquet(f, dir.resolve("pixels"), rows(f, 20, (i, x, y) -> RowFactory.create(x, y)), schema));
                        }),
                row("data: features column of strings", DATA, List.of("'features'", "string", "array"), (f, dir) -> {
                    StructType schema = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.IntegerType);
                    return train(parquet(f, dir.resolve("strings"), List.of(RowFactory.create("0.1 0.2", 1), RowFactory.create("0.3 0.4", 2)), schema));
                }),
                row("data: features column of string arrays", DATA, List.of("'features'", "array<string>"), (f, dir) -> {
                    StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.StringType))
                            .add("label", DataTypes.IntegerType);
                    return train(parquet(f, dir.resolve("string-arrays"), List.of(RowFactory.create(new String[] {"a"}, 1)), schema));
                }),
                row("data: no label column", DATA, List.of("'label'", "spark-lamb.data.label-column"), (f, dir) ->
                        train(parquet(f, dir.resolve("no-label"), List.of(RowFactory.create((Object) f.data().features()[0])), floats))),
                row("data: label column of strings names the expected range (0..9)", DATA, List.of("'label'", "string", "0..9"), (f, dir) -> {
                    StructType schema = floats.add("label", DataTypes.StringType);
                    return train(parquet(f, dir.resolve("string-label"), List.of(RowFactory.create(f.data().features()[0], "cat")), schema));
                }),
                row("data: feature array too short (63 values in row 17)", DATA,
                        List.of("row 17", "'features'", "has 63 values", "expects 64", "part-"), (f, dir) -> train(parquet(f,
                                dir.resolve("short.parquet"), rows(f, 200, (i, x, y) -> RowFactory.create(i == 17 ? Arrays.copyOf(x, 63) : x, y)),
                                MnistImporter.SCHEMA))),
                row("data: model input does not match the data (10x10 model, 64 features)", DATA,
                        List.of("'features'", "has 64 values", "expects 100", "row 0"), (f, dir) -> {
                            Input in = train(f.trainParquet(), "spark-lamb.model.input-height=10", "spark-lamb.model.input-width=10");
                            return new Input(in.overrides(), List.of(partFile(f.trainParquet()).getFileName().toString()));
                        }),
                row("data: NaN feature (row 12, value 3)", DATA, List.of("row 12", "value 3 is NaN", "finite"),
                        (f, dir) -> trainNamingTheFile(f, dir.resolve("nan.parquet"), TestFiles.withFeature(f.data(), 12, 3, Float.NaN))),
                row("data: infinite feature (row 40, value 63)", DATA, List.of("row 40", "value 63 is -Infinity", "finite"),
                        (f, dir) -> train(parquet(f, dir.resolve("inf.parquet"), TestFiles.withFeature(f.data(), 40, 63, Float.NEGATIVE_INFINITY)))),
                row("data: null element in the feature array (row 9, value 4)", DATA, List.of("row 9", "value 4", "null"), (f, dir) -> {
                    StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, true))
                            .add("label", DataTypes.IntegerType);
                    return train(parquet(f, dir.resolve("null-element"), rows(f, 100, (i, x, y) -> {
                        Float[] boxed = new Float[x.length];
                        for (int j = 0; j < x.length; j++) {
                            boxed[j] = i == 9 && j == 4 ? null : x[j];
                        }
                        return RowFactory.create(boxed, y);
                    }), schema));
                }),
                row("data: label out of range (10 with 10 classes, row 37)", DATA, List.of("row 37", "label 10.0", "'label'", "[0, 10)"),
                        (f, dir) -> trainNamingTheFile(f, dir.resolve("label10.parquet"), TestFiles.withLabel(f.data(), 37, 10))),
                row("data: negative label (row 5)", DATA, List.of("row 5", "label -1.0", "[0, 10)"),
                        (f, dir) -> train(parquet(f, dir.resolve("label-neg.parquet"), TestFiles.withLabel(f.data(), 5, -1)))),
                row("data: fractional label (2.5 in row 3)", DATA, List.of("row 3", "2.5"), (f, dir) -> {
                    StructType schema = floats.add("label", DataTypes.DoubleType);
                    return train(parquet(f, dir.resolve("fractional"), rows(f, 100, (i, x, y) -> RowFactory.create(x, i == 3 ? 2.5 : (double) y)),
                            schema));
                }),
                row("data: null label (row 8)", DATA, List.of("row 8", "'label'", "null"), (f, dir) -> {
                    StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                            .add("label", DataTypes.IntegerType, true);
                    return train(parquet(f, dir.resolve("null-label.parquet"), rows(f, 200, (i, x, y) -> RowFactory.create(x, i == 8 ? null : y)),
                            schema));
                }),
                row("data: label out of range in the test data", DATA, List.of("test data", "label 99.0", "row 2"), (f, dir) -> {
                    Path test = parquet(f, dir.resolve("bad-test.parquet"), TestFiles.withLabel(TestFiles.head(f.data(), 100), 2, 99));
                    return train(f.trainParquet(), "spark-lamb.data.test=\"" + test.toUri() + "\"");
                }));
    }

    /**
     * A network whose activations are large and parameters small: 1x1 convolution to {@code channels} channels on the 8x8
     * input, average pooling, 10 classes. One example's activations are 64 x channels floats.
     */
    public static String wideConvolutionJson(int channels) {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new NoOp()).list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(channels).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build().toJson();
    }

    /** Settings that do not fit the data or the executors (issue #17, "Bad input"). */
    static List<Case> scaleCases() {
        return List.of(
                keys("scale: more partitions than examples (data.partitions = 201, 200 examples)", CONFIG,
                        List.of("spark-lamb.data.partitions = 201", "larger than the 200 examples", "at most 200"),
                        "spark-lamb.data.partitions = 201"),
                // 400,000 channels: 64 x 400,000 floats of activations per example, ~6.5 GB per micro-batch of 64 before
                // gradients, in each of local[2]'s two tasks: more than any test JVM's heap (and ND4J's default off-heap limit).
                row("scale: a micro-batch larger than an executor can hold (1x1 convolution to 400,000 channels, micro-batch 64)", CONFIG,
                        List.of("spark-lamb.training.micro-batch = 64", "spark.driver.memory", "DL4J's memory report"), (f, dir) -> {
                            Path model = dir.resolve("wide-convolution.json");
                            Files.writeString(model, wideConvolutionJson(400_000));
                            return input("spark-lamb.model.config-file = \"" + model.toUri() + "\"", "spark-lamb.training.micro-batch = 64");
                        }));
    }

    static List<Case> csvCases() {
        return List.of(
                row("data: CSV with 63 feature columns", DATA, List.of("63 feature columns", "64"),
                        (f, dir) -> csv(f, dir.resolve("short.csv"), line -> line.substring(0, line.lastIndexOf(',')))),
                row("data: CSV with 64 feature columns and a 4x4 model", DATA, List.of("64", "16"), (f, dir) ->
                        train(f.trainCsv(), "spark-lamb.data.format=csv", "spark-lamb.model.input-height=4", "spark-lamb.model.input-width=4")),
                row("data: CSV with a word in a feature column (f5)", DATA, List.of("'f5'", "string", "numeric"),
                        (f, dir) -> csvLine(f, dir.resolve("word.csv"), 30, line -> replaceField(line, 6, "dog"))),
                row("data: CSV with NaN (row 12, f3)", DATA, List.of("row 12", "'f3'", "NaN", "nan.csv"),
                        (f, dir) -> csvLine(f, dir.resolve("nan.csv"), 13, line -> replaceField(line, 4, "NaN"))),
                row("data: CSV with label out of range (row 20, label 12)", DATA, List.of("row 20", "label 12.0", "labels.csv"),
                        (f, dir) -> csvLine(f, dir.resolve("labels.csv"), 21, line -> replaceField(line, 0, "12"))),
                row("data: CSV with a short (ragged) row", DATA, List.of("ragged.csv", "Malformed CSV record"),
                        (f, dir) -> csvLine(f, dir.resolve("ragged.csv"), 21, line -> "3,0.5,0.25")),
                row("data: CSV with only a header", DATA, List.of("header-only.csv", "no rows"), (f, dir) -> {
                    Path csv = dir.resolve("header-only.csv");
                    Files.writeString(csv, Files.readAllLines(f.trainCsv()).get(0) + "\n");
                    return train(csv, "spark-lamb.data.format=csv");
                }),
                row("data: CSV without the label column", DATA, List.of("'label'", "spark-lamb.data.label-column"),
                        (f, dir) -> csvLine(f, dir.resolve("no-label.csv"), 0, line -> line.replaceFirst("^label,", "class,"))),
                row("data: Parquet directory read as CSV (format mismatch)", DATA, List.of("train.parquet", "no column 'label'"),
                        (f, dir) -> train(f.trainParquet(), "spark-lamb.data.format=csv")));
    }

    // ---- helpers ----

    /** Builds one row per example from its index, features and label. */
    @FunctionalInterface
    interface RowMaker {
        Row make(int i, float[] x, int y);
    }

    static List<Row> rows(Fixtures f, int n, RowMaker maker) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(maker.make(i, f.data().features()[i], f.data().labels()[i]));
        }
        return rows;
    }

    /** One Parquet file (row order kept) in the new directory {@code dir}. */
    static Path parquet(Fixtures f, Path dir, List<Row> rows, StructType schema) {
        TestFiles.parquet(f.spark().createDataFrame(rows, schema), dir);
        return dir;
    }

    static Path parquet(Fixtures f, Path dir, TestSpark.Synthetic data) {
        TestFiles.parquet(data.frame(f.spark()), dir);
        return dir;
    }

    /** Training on {@code data} written to {@code dir}; the message must also name its data file. */
    static Input trainNamingTheFile(Fixtures f, Path dir, TestSpark.Synthetic data) throws IOException {
        parquet(f, dir, data);
        return new Input(train(dir).overrides(), List.of(partFile(dir).getFileName().toString()));
    }

    /** train.csv with every line passed through {@code edit}, as {@code file}, read as CSV. */
    static Input csv(Fixtures f, Path file, UnaryOperator<String> edit) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(f.trainCsv()));
        lines.replaceAll(edit);
        Files.write(file, lines);
        return train(file, "spark-lamb.data.format=csv");
    }

    /** train.csv with line {@code index} (0 = the header) passed through {@code edit}, as {@code file}, read as CSV. */
    static Input csvLine(Fixtures f, Path file, int index, UnaryOperator<String> edit) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(f.trainCsv()));
        lines.set(index, edit.apply(lines.get(index)));
        Files.write(file, lines);
        return train(file, "spark-lamb.data.format=csv");
    }

    static String replaceField(String line, int field, String value) {
        String[] fields = line.split(",", -1);
        fields[field] = value;
        return String.join(",", fields);
    }

    /** The one data file in a directory written by Spark. */
    public static Path partFile(Path parquetDir) throws IOException {
        try (Stream<Path> s = Files.list(parquetDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
    }

    /** A copy of the training Parquet directory without Hadoop's .crc side files (a damaged copy keeps no checksum). */
    static Path copyOfTrain(Fixtures f, Path dir, String name) throws IOException {
        Path to = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> s = Files.list(f.trainParquet())) {
            for (Path p : s.toList()) {
                if (!p.getFileName().toString().endsWith(".crc")) {
                    Files.copy(p, to.resolve(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }

    static void overwrite(Path file, long offset, long length, byte value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            byte[] bytes = new byte[(int) length];
            Arrays.fill(bytes, value);
            f.write(bytes);
        }
    }
}
