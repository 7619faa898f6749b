package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.SparkSettings;
import dev.sparklamb.spark.data.MnistImporter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code predict} (and {@code evaluate --report}) through the command line: the Parquet predictions equal the driver-side
 * DL4J {@code output} of the same saved network for the same rows, from Parquet and CSV; bad input exits as documented
 * and writes nothing.
 */
class PredictCommandTest {

    static final int SIDE = 4;
    static final int FEATURES = SIDE * SIDE;
    static final int CLASSES = 10;
    static final int EXAMPLES = 70;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;

    static SparkSession spark;
    static float[][] x = new float[EXAMPLES][FEATURES];
    static int[] y = new int[EXAMPLES];
    static Path model;
    static Path parquet;
    static Path csv;
    static INDArray expected;

    @BeforeAll
    static void fixtures() throws IOException {
        spark = Sessions.create(new SparkSettings("local[2]", "spark-lamb"));
        CliHarness.installLogCapture();
        Random r = new Random(11);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < EXAMPLES; i++) {
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = r.nextFloat() * 4 - 2;
            }
            y[i] = r.nextInt(CLASSES);
            rows.add(RowFactory.create(x[i], y[i]));
        }
        parquet = root.resolve("data.parquet");
        spark.createDataFrame(rows, MnistImporter.SCHEMA).coalesce(1).write().parquet(parquet.toUri().toString());
        csv = root.resolve("data.csv");
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder("label");
            for (int j = 0; j < FEATURES; j++) {
                header.append(",f").append(j);
            }
            w.write(header + "\n");
            for (int i = 0; i < EXAMPLES; i++) {
                StringBuilder line = new StringBuilder(String.valueOf(y[i]));
                for (float v : x[i]) {
                    line.append(',').append(Float.toString(v));
                }
                w.write(line + "\n");
            }
        }
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(12).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        model = root.resolve("model.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
        float[] flat = new float[EXAMPLES * FEATURES];
        for (int i = 0; i < EXAMPLES; i++) {
            System.arraycopy(x[i], 0, flat, i * FEATURES, FEATURES);
        }
        expected = net.output(Nd4j.createFromArray(flat).reshape(EXAMPLES, FEATURES));
    }

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    static String[] predict(Path data, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--data", data.toUri().toString(),
                "--output", output.toUri().toString(),
                "--set", "spark-lamb.model.input-height=" + SIDE, "--set", "spark-lamb.model.input-width=" + SIDE,
                "--set", "spark-lamb.data.partitions=3", "--set", "spark-lamb.training.micro-batch=8"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** Checks every written row against the driver's own output for the example with that id (= row in the file). */
    static void assertMatchesDriverOutput(Path output) {
        List<Row> rows = spark.read().parquet(output.toUri().toString()).collectAsList();
        assertThat(rows).hasSize(EXAMPLES);
        Map<Long, Row> byId = new HashMap<>();
        for (Row row : rows) {
            byId.put(row.getLong(row.fieldIndex("id")), row);
        }
        assertThat(byId).as("one row per example id").hasSize(EXAMPLES);
        int distinctPredictions = 0;
        boolean[] seen = new boolean[CLASSES];
        for (long id = 0; id < EXAMPLES; id++) {
            Row row = byId.get(id);
            assertThat(row).as("row for id " + id).isNotNull();
            int argmax = expected.getRow(id).argMax().getInt(0);
            assertThat(row.getInt(row.fieldIndex("prediction"))).as("prediction of id " + id).isEqualTo(argmax);
            List<Float> p = row.getList(row.fieldIndex("probabilities"));
            assertThat(p).hasSize(CLASSES);
            for (int c = 0; c < CLASSES; c++) {
                assertThat((double) p.get(c)).as("id " + id + " class " + c).isCloseTo(expected.getDouble(id, c),
                        org.assertj.core.data.Offset.offset(1e-6));
            }
            if (!seen[argmax]) {
                seen[argmax] = true;
                distinctPredictions++;
            }
        }
        assertThat(distinctPredictions).as("the network predicts several classes (else argmax is not tested)").isGreaterThan(1);
    }

    @Test
    void parquetPredictionsEqualTheDriversOutput() {
        Path output = root.resolve("pred-parquet");
        CliHarness.Outcome o = CliHarness.run(predict(parquet, output));
        assertThat(o.code()).as(o.describe()).isZero();
        assertThat(o.out()).contains("predictions: " + EXAMPLES);
        assertMatchesDriverOutput(output);
    }

    @Test
    void csvPredictionsEqualTheDriversOutput() {
        Path output = root.resolve("pred-csv");
        CliHarness.Outcome o = CliHarness.run(predict(csv, output, "--set", "spark-lamb.data.format=csv"));
        assertThat(o.code()).as(o.describe()).isZero();
        assertMatchesDriverOutput(output);
    }

    @Test
    void dataWithoutALabelColumnIsPredicted() throws IOException {
        Path unlabelled = root.resolve("unlabelled.parquet");
        spark.read().parquet(parquet.toUri().toString()).drop("label").coalesce(1).write().parquet(unlabelled.toUri().toString());
        assertThat(spark.read().parquet(unlabelled.toUri().toString()).columns()).containsExactly("features");
        Path output = root.resolve("pred-unlabelled");
        CliHarness.Outcome o = CliHarness.run(predict(unlabelled, output));
        assertThat(o.code()).as(o.describe()).isZero();
        assertMatchesDriverOutput(output);

        // CSV with one column per feature and no label column: every column is a feature.
        Path csvNoLabel = root.resolve("unlabelled.csv");
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        Files.write(csvNoLabel, lines.stream().map(l -> l.substring(l.indexOf(',') + 1)).toList(), StandardCharsets.UTF_8);
        Path csvOutput = root.resolve("pred-unlabelled-csv");
        CliHarness.Outcome c = CliHarness.run(predict(csvNoLabel, csvOutput, "--set", "spark-lamb.data.format=csv"));
        assertThat(c.code()).as(c.describe()).isZero();
        assertMatchesDriverOutput(csvOutput);
    }

    @Test
    void existingOutputExitsWith2NamingItAndIsLeftAlone() throws IOException {
        Path output = Files.createDirectories(root.resolve("taken"));
        Files.writeString(output.resolve("keep.txt"), "mine");
        Map<String, String> before = CliHarness.snapshot(output);
        CliHarness.Outcome o = CliHarness.run(predict(parquet, output));
        assertThat(o.code()).as(o.describe()).isEqualTo(2);
        assertThat(o.err()).contains("--output").contains("taken").contains("already exists");
        assertThat(CliHarness.snapshot(output)).isEqualTo(before);
    }

    @Test
    void missingModelExitsWith2NamingTheFile() {
        Path output = root.resolve("pred-no-model");
        List<String> args = new ArrayList<>(List.of(predict(parquet, output)));
        args.set(args.indexOf(model.toString()), root.resolve("no-such-model.zip").toString());
        CliHarness.Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertThat(o.code()).as(o.describe()).isEqualTo(2);
        assertThat(o.err()).contains("no-such-model.zip").contains("does not exist");
        assertThat(output).doesNotExist();
    }

    @Test
    void dataThatDoesNotFitTheModelExitsWith3NamingFileAndColumn() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(RowFactory.create(new float[FEATURES + 3], 1));
        }
        Path wide = root.resolve("wide.parquet");
        spark.createDataFrame(rows, MnistImporter.SCHEMA).coalesce(1).write().parquet(wide.toUri().toString());
        Path output = root.resolve("pred-wide");
        CliHarness.Outcome o = CliHarness.run(predict(wide, output));
        assertThat(o.code()).as(o.describe()).isEqualTo(3);
        assertThat(o.err()).contains("wide.parquet").contains("features");
        assertThat(output).doesNotExist();
    }

    @Test
    void evaluateReportHasPerClassMetricsAndAConfusionMatrixOverEveryExample() throws IOException {
        Path report = root.resolve("reports").resolve("eval.json");
        CliHarness.Outcome o = CliHarness.run("evaluate", "--model", model.toString(), "--data", parquet.toUri().toString(),
                "--report", report.toUri().toString(),
                "--set", "spark-lamb.model.input-height=" + SIDE, "--set", "spark-lamb.model.input-width=" + SIDE,
                "--set", "spark-lamb.model.classes=" + CLASSES, "--set", "spark-lamb.data.partitions=3");
        assertThat(o.code()).as(o.describe()).isZero();
        assertThat(o.out()).contains("precision").contains("confusion matrix").contains("examples: " + EXAMPLES);
        JsonNode json = JSON.readTree(Files.readString(report));
        long total = 0;
        long correct = 0;
        for (int a = 0; a < CLASSES; a++) {
            for (int p = 0; p < CLASSES; p++) {
                long n = json.get("confusionMatrix").get(a).get(p).asLong();
                total += n;
                // independent: count examples with label a whose driver-side argmax is p
                long expectedCount = 0;
                for (int i = 0; i < EXAMPLES; i++) {
                    if (y[i] == a && expected.getRow(i).argMax().getInt(0) == p) {
                        expectedCount++;
                    }
                }
                assertThat(n).as("confusionMatrix[" + a + "][" + p + "]").isEqualTo(expectedCount);
                correct += a == p ? n : 0;
            }
        }
        assertThat(total).isEqualTo(EXAMPLES);
        assertThat(json.get("accuracy").asDouble()).isEqualTo((double) correct / EXAMPLES);
        assertThat(json.get("perClass")).hasSize(CLASSES);
    }
}
