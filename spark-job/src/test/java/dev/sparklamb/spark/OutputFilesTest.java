package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a successful run leaves in its output directory: metrics.jsonl, model.zip and summary.json. */
@ExtendWith(LocalSpark.class)
class OutputFilesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> OUTPUTS = Set.of("metrics.jsonl", "model.zip", "summary.json");

    static SparkSession spark;

    @TempDir
    static Path tmp;

    static RunConfig config;
    static TrainedModel result;
    static Path out;

    @BeforeAll
    static void run() throws Exception {
        String train = TestFiles.parquet(TestSpark.synthetic(300, 8, 51).frame(spark), tmp.resolve("train"));
        String test = TestFiles.parquet(TestSpark.synthetic(60, 8, 52).frame(spark), tmp.resolve("test"));
        out = Files.createDirectories(tmp.resolve("run"));  // an existing, empty directory is accepted
        config = TestSpark.config(out, "model.input-height=8", "model.input-width=8", "data.partitions=2",
                "data.train=\"" + train + "\"", "data.test=\"" + test + "\"",
                "training.global-batch=96", "training.micro-batch=32", "training.epochs=2", "training.max-steps=4",
                "training.eval-every-steps=3", "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]");
        result = new SparkTrainer(spark, config).fit();
    }

    static List<JsonNode> metricLines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void metricsHaveOneJsonObjectPerStep() throws Exception {
        List<JsonNode> lines = metricLines();
        assertThat(lines).hasSize(4);
        assertThat(result.history()).hasSize(4);
        var schedule = config.optimizer().schedule(4, 96);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode m = lines.get(i);
            StepMetrics h = result.history().get(i);
            String at = "metrics line " + (i + 1);
            assertThat(m.isObject()).as(at).isTrue();
            assertThat(m.get("step").asLong()).as(at).isEqualTo(i + 1);
            assertThat(m.get("totalSteps").asLong()).as(at).isEqualTo(4);
            assertThat(m.get("epoch").asInt()).as(at + ": epoch (3 steps per epoch)").isEqualTo(i / 3);
            assertThat(m.get("examples").asLong()).as(at).isEqualTo(96);
            assertThat(m.get("loss").isNumber()).as(at + ": loss is a number").isTrue();
            assertThat(m.get("loss").asDouble()).as(at).isEqualTo(h.loss()).isPositive();
            assertThat(m.get("learningRate").asDouble()).as(at).isCloseTo(schedule.rate(i), within(1e-15));
            assertThat(m.get("gradientNorm").asDouble()).as(at).isPositive();
            assertThat(m.get("clipScale").asDouble()).as(at + ": no clipping configured").isEqualTo(1.0);
            double min = m.get("trustRatioMin").asDouble();
            double median = m.get("trustRatioMedian").asDouble();
            double max = m.get("trustRatioMax").asDouble();
            assertThat(min).as(at).isPositive().isLessThanOrEqualTo(median);
            assertThat(median).as(at).isLessThanOrEqualTo(max);
            for (String tensor : List.of("trustRatioMinTensor", "trustRatioMaxTensor")) {
                assertThat(m.get(tensor).isTextual()).as(at + ": " + tensor).isTrue();
                assertThat(m.get(tensor).asText()).as(at + ": " + tensor).matches("\\d+_[Wb]");
            }
            for (String millis : List.of("stepMillis", "distributeMillis", "computeMillis", "allReduceMillis", "updateMillis")) {
                assertThat(m.get(millis).isNumber()).as(at + ": " + millis).isTrue();
                assertThat(m.get(millis).asDouble()).as(at + ": " + millis).isGreaterThanOrEqualTo(0);
            }
            assertThat(m.get("computeMillis").asDouble()).as(at + ": computeMillis").isPositive();
            assertThat(m.get("stepMillis").asDouble()).as(at + ": stepMillis").isPositive();
            assertThat(m.get("examplesPerSecond").asDouble()).as(at).isPositive();
            boolean evaluated = i + 1 == 3 || i + 1 == 4;
            assertThat(m.has("testAccuracy")).as(at).isTrue();
            if (evaluated) {
                assertThat(m.get("testAccuracy").asDouble()).as(at + ": testAccuracy").isBetween(0.0, 1.0);
                assertThat(m.get("testAccuracy").asDouble()).as(at).isEqualTo(h.testAccuracy());
                assertThat(m.get("testLoss").asDouble()).as(at + ": testLoss").isPositive();
            } else {
                assertThat(m.get("testAccuracy").isNull()).as(at + ": no evaluation at this step").isTrue();
                assertThat(m.get("testLoss").isNull()).as(at).isTrue();
            }
        }
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(result.finalEvaluation()).isPresent();
        assertThat(last.get("testAccuracy").asDouble()).isEqualTo(result.finalEvaluation().get().accuracy());
        assertThat(result.finalEvaluation().get().examples()).isEqualTo(60);
    }

    @Test
    void modelZipRestoresToTheTrainedParameters() throws Exception {
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(out.resolve("model.zip").toFile(), false);
        assertThat(restored.params().data().asFloat()).isEqualTo(result.parameters());
        assertThat(((MultiLayerNetwork) result.model()).params().data().asFloat()).isEqualTo(result.parameters());
        assertThat(restored.getLayerWiseConfigurations().toJson())
                .isEqualTo(((MultiLayerNetwork) result.model()).getLayerWiseConfigurations().toJson());
    }

    @Test
    void summaryDescribesTheRun() throws Exception {
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("status").asText()).isEqualTo("succeeded");
        assertThat(s.get("model").asText()).isEqualTo("model.zip");
        assertThat(s.get("metrics").asText()).isEqualTo("metrics.jsonl");
        assertThat(s.get("optimizer").asText()).isEqualTo("lamb");
        assertThat(s.get("trainingExamples").asLong()).isEqualTo(300);
        assertThat(s.get("partitions").asInt()).isEqualTo(2);
        assertThat(s.get("globalBatch").asInt()).isEqualTo(96);
        assertThat(s.get("steps").asLong()).isEqualTo(4);
        assertThat(s.get("seconds").asDouble()).isPositive();
        StepMetrics last = result.history().get(3);
        assertThat(s.get("finalLoss").asDouble()).isEqualTo(last.loss());
        assertThat(s.get("testAccuracy").asDouble()).isEqualTo(last.testAccuracy());
        assertThat(s.get("testLoss").asDouble()).isEqualTo(last.testLoss());
        assertThat(s.get("output").asText()).contains(out.getFileName().toString());
    }

    /**
     * The three outputs and nothing else, except the checksum files Hadoop's local file system writes beside each
     * file it creates ({@code .NAME.crc}); no temporary files ({@code .NAME.tmp}) are left.
     */
    @Test
    void noTemporaryFilesAreLeft() {
        List<String> names = TestFiles.names(out);
        List<String> expected = new java.util.ArrayList<>(OUTPUTS);
        expected.add("checkpoints");
        assertThat(names.stream().filter(n -> !n.startsWith(".")).toList()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(names).as("temporary files").noneMatch(n -> n.contains(".tmp"));
        assertThat(names.stream().filter(n -> n.startsWith(".") && !dev.sparklamb.spark.lease.RunLease.isLeaseFile(n)).toList())
                .as("hidden files other than Hadoop checksums and the run lease")
                .allMatch(n -> n.endsWith(".crc") && OUTPUTS.contains(n.substring(1, n.length() - ".crc".length())));
        List<String> leases = names.stream().filter(dev.sparklamb.spark.lease.RunLease::isLeaseFile).toList();
        assertThat(leases).as("one lease file, no checksum file beside it").singleElement().asString().startsWith(".lease-");
        try {
            assertThat(dev.sparklamb.spark.lease.LeaseRecord.parse(java.nio.file.Files.readAllBytes(out.resolve(leases.get(0)))))
                    .as("the lease was released at the end").hasValueSatisfying(r -> assertThat(r.released()).isTrue());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
