package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.evaluate.ClassificationReport;
import dev.sparklamb.spark.train.ModelEvaluation;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Evaluation beyond accuracy: the per-class precision/recall/F1, confusion matrix and log loss that the distributed
 * evaluation reports (in summary.json and through {@link ModelEvaluation}) equal what this test counts itself from the
 * trained network's own {@code output} on the driver.
 */
@ExtendWith(LocalSpark.class)
class ClassificationMetricsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int CLASSES = 10;

    static SparkSession spark;

    @TempDir
    static Path tmp;

    static RunConfig config;
    static TestSpark.Synthetic testData;
    static String testPath;
    static Path out;
    /** Counted by this test: [actual][predicted]. */
    static long[][] confusion = new long[CLASSES][CLASSES];
    static double logLoss;

    @BeforeAll
    static void trainAndCount() throws Exception {
        String train = TestFiles.parquet(TestSpark.synthetic(300, 8, 61).frame(spark), tmp.resolve("train"));
        testData = TestSpark.synthetic(90, 8, 62);
        testPath = TestFiles.parquet(testData.frame(spark), tmp.resolve("test"));
        out = tmp.resolve("run");
        config = TestSpark.config(out, "model.input-height=8", "model.input-width=8", "data.partitions=3",
                "data.train=\"" + train + "\"", "data.test=\"" + testPath + "\"",
                "training.global-batch=60", "training.micro-batch=16", "training.epochs=2", "training.max-steps=8");
        new SparkTrainer(spark, config).fit();

        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(out.resolve("model.zip").toFile(), false);
        int n = testData.labels().length;
        float[] x = new float[n * 64];
        for (int i = 0; i < n; i++) {
            System.arraycopy(testData.features()[i], 0, x, i * 64, 64);
        }
        INDArray probabilities = net.output(Nd4j.createFromArray(x).reshape(n, 64));
        double lossSum = 0;
        for (int i = 0; i < n; i++) {
            int predicted = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (probabilities.getDouble(i, c) > probabilities.getDouble(i, predicted)) {
                    predicted = c;
                }
            }
            int actual = testData.labels()[i];
            confusion[actual][predicted]++;
            lossSum -= Math.log(probabilities.getDouble(i, actual));
        }
        logLoss = lossSum / n;
    }

    static double precision(int c) {
        long tp = confusion[c][c];
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[c];
        }
        return predicted == 0 ? 0 : (double) tp / predicted;
    }

    static double recall(int c) {
        long actual = support(c);
        return actual == 0 ? 0 : (double) confusion[c][c] / actual;
    }

    static long support(int c) {
        long s = 0;
        for (long v : confusion[c]) {
            s += v;
        }
        return s;
    }

    static double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    @Test
    void theTrainedNetworkPredictsSeveralClasses() {
        // otherwise the per-class comparisons below would mostly compare zeros
        int predictedClasses = 0;
        for (int c = 0; c < CLASSES; c++) {
            long predicted = 0;
            for (long[] row : confusion) {
                predicted += row[c];
            }
            predictedClasses += predicted > 0 ? 1 : 0;
        }
        assertThat(predictedClasses).isGreaterThanOrEqualTo(3);
    }

    @Test
    void evaluationReportMatchesCountsFromTheNetworksOwnOutput() {
        ClassificationReport r = ModelEvaluation.report(spark, config, out.resolve("model.zip").toString(), testPath);
        assertThat(r.examples()).isEqualTo(90);
        long total = 0;
        for (int a = 0; a < CLASSES; a++) {
            for (int p = 0; p < CLASSES; p++) {
                total += r.confusionMatrix()[a][p];
            }
        }
        assertThat(total).as("the confusion matrix sums to the number of examples").isEqualTo(90);
        assertThat(r.confusionMatrix()).isDeepEqualTo(confusion);
        long correct = 0;
        for (int c = 0; c < CLASSES; c++) {
            correct += confusion[c][c];
            ClassificationReport.ClassMetrics m = r.perClass().get(c);
            String at = "class " + c;
            assertThat(m.label()).as(at).isEqualTo(c);
            assertThat(m.precision()).as(at + " precision").isCloseTo(precision(c), within(1e-12));
            assertThat(m.recall()).as(at + " recall").isCloseTo(recall(c), within(1e-12));
            assertThat(m.f1()).as(at + " f1").isCloseTo(f1(c), within(1e-12));
            assertThat(m.support()).as(at + " support").isEqualTo(support(c));
        }
        assertThat(r.accuracy()).isCloseTo(correct / 90.0, within(1e-12));
        assertThat(r.logLoss()).as("log loss = mean -log p(true class)").isCloseTo(logLoss, within(1e-4));
        assertThat(r.table()).contains("precision").contains("confusion matrix").contains("log loss:");
    }

    @Test
    void summaryHasTheFinalEvaluationsTestMetrics() throws Exception {
        JsonNode m = JSON.readTree(Files.readString(out.resolve("summary.json"))).get("testMetrics");
        assertThat(m).as("summary.json testMetrics").isNotNull();
        assertThat(m.get("accuracy").asDouble()).isEqualTo(JSON.readTree(Files.readString(out.resolve("summary.json")))
                .get("testAccuracy").asDouble());
        assertThat(m.get("logLoss").asDouble()).isCloseTo(logLoss, within(1e-4));
        JsonNode matrix = m.get("confusionMatrix");
        assertThat(matrix.size()).isEqualTo(CLASSES);
        for (int a = 0; a < CLASSES; a++) {
            for (int p = 0; p < CLASSES; p++) {
                assertThat(matrix.get(a).get(p).asLong()).as("confusionMatrix[" + a + "][" + p + "]").isEqualTo(confusion[a][p]);
            }
        }
        JsonNode perClass = m.get("perClass");
        assertThat(perClass.size()).isEqualTo(CLASSES);
        for (int c = 0; c < CLASSES; c++) {
            JsonNode e = perClass.get(c);
            assertThat(e.get("class").asInt()).isEqualTo(c);
            assertThat(e.get("precision").asDouble()).as("class " + c).isCloseTo(precision(c), within(1e-12));
            assertThat(e.get("recall").asDouble()).as("class " + c).isCloseTo(recall(c), within(1e-12));
            assertThat(e.get("f1").asDouble()).as("class " + c).isCloseTo(f1(c), within(1e-12));
            assertThat(e.get("support").asLong()).as("class " + c).isEqualTo(support(c));
        }
    }

    @Test
    void reportFileIsWrittenAtomicallyAsJson() throws Exception {
        ClassificationReport r = ModelEvaluation.report(spark, config, out.resolve("model.zip").toString(), testPath);
        Path file = tmp.resolve("reports/eval.json");
        ModelEvaluation.writeReport(spark, r, file.toUri().toString());
        JsonNode json = JSON.readTree(Files.readString(file));
        assertThat(json.get("accuracy").asDouble()).isEqualTo(r.accuracy());
        assertThat(json.get("perClass").size()).isEqualTo(CLASSES);
        assertThat(json.get("confusionMatrix").get(3).get(4).asLong()).isEqualTo(confusion[3][4]);
        try (var names = Files.list(file.getParent())) {
            // (Hadoop's local file system keeps a hidden .eval.json.crc checksum next to it)
            assertThat(names.map(p -> p.getFileName().toString()).toList()).as("no temporary file left").contains("eval.json")
                    .noneMatch(n -> n.endsWith(".tmp"));
        }
    }
}
