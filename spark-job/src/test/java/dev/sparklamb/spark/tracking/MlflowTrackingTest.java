package dev.sparklamb.spark.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * MLflow tracking against {@link FakeMlflowServer}: the exact request sequence and bodies of a normal run, a failed
 * run and its resume (the same MLflow run, no second runs/create), and runs whose server fails or is down (the
 * training succeeds; one warning).
 */
@ExtendWith(LocalSpark.class)
class MlflowTrackingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static SparkSession spark;
    static String train;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    FakeMlflowServer server;
    final List<LogEvent> warnings = new CopyOnWriteArrayList<>();
    AbstractAppender capture;

    @BeforeAll
    static void data() {
        Path dir = shared.resolve("train");
        TestSpark.synthetic(192, 8, 61).frame(spark).coalesce(1).write().parquet(dir.toUri().toString());
        train = dir.toUri().toString();
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeMlflowServer();
        capture = new AbstractAppender("mlflow-test-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel().isMoreSpecificThan(Level.WARN) && event.getLoggerName().startsWith("dev.sparklamb.spark.tracking")) {
                    warnings.add(event.toImmutable());
                }
            }
        };
        capture.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(capture, null, null);
        ctx.updateLoggers();
    }

    @AfterEach
    void stop() {
        server.close();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().removeAppender(capture.getName());
        ctx.updateLoggers();
        capture.stop();
    }

    RunConfig config(Path out, String uri) {
        return TestSpark.config(out, "model.input-height=8", "model.input-width=8", "data.partitions=2", "data.train=\"" + train + "\"",
                "training.global-batch=64", "training.micro-batch=32", "training.max-steps=3", "checkpoint.every-steps=1",
                "tracking.mlflow.tracking-uri=\"" + uri + "\"", "tracking.mlflow.experiment=\"lamb tests\"",
                "tracking.mlflow.flush-timeout-seconds=60");
    }

    /** Each request as "METHOD endpoint" (log-batch split by what it carries), repeated metric batches shown once. */
    static List<String> sequence(List<FakeMlflowServer.Request> requests) {
        List<String> s = new ArrayList<>();
        for (FakeMlflowServer.Request r : requests) {
            String name = r.method() + " " + r.path().replaceFirst("^/api/2.0/mlflow/", "").replaceFirst("\\?.*", "");
            if (name.equals("POST runs/log-batch")) {
                JsonNode b = r.json();
                name += b.path("params").size() > 0 ? " params"
                        : b.path("metrics").get(0).path("key").asText().startsWith("summary.") ? " summary" : " metrics";
            }
            if (name.equals("POST runs/update")) {
                name += " " + r.json().path("status").asText();
            }
            if (!(name.endsWith(" metrics") && !s.isEmpty() && s.get(s.size() - 1).equals(name))) {
                s.add(name);
            }
        }
        return s;
    }

    static Map<Long, Double> logged(List<FakeMlflowServer.Request> requests, String key) {
        Map<Long, Double> values = new TreeMap<>();
        for (FakeMlflowServer.Request r : requests) {
            if (r.path().endsWith("runs/log-batch")) {
                for (JsonNode m : r.json().path("metrics")) {
                    if (m.path("key").asText().equals(key)) {
                        assertThat(values.put(m.path("step").asLong(), m.path("value").asDouble())).as("logged twice").isNull();
                    }
                }
            }
        }
        return values;
    }

    static Map<Long, Double> lossesIn(Path out) throws Exception {
        Map<Long, Double> values = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode m = JSON.readTree(line);
            values.put(m.path("step").asLong(), m.path("loss").asDouble());
        }
        return values;
    }

    @Test
    void normalRunLogsConfigurationStepsSummaryArtifactsAndFinished() throws Exception {
        Path out = tmp.resolve("run");
        RunConfig config = config(out, server.uri());
        new SparkTrainer(spark, config).fit();

        List<FakeMlflowServer.Request> requests = server.requests();
        Map<String, String> params = ResolvedConfiguration.of(config).values();
        List<String> expected = new ArrayList<>(List.of("GET experiments/get-by-name", "POST experiments/create", "POST runs/create"));
        for (int i = 0; i < (params.size() + 99) / 100; i++) {
            expected.add("POST runs/log-batch params");
        }
        expected.addAll(List.of("POST runs/log-batch metrics", "POST runs/log-batch summary",
                "PUT /api/2.0/mlflow-artifacts/artifacts/1/run1/artifacts/model.zip",
                "PUT /api/2.0/mlflow-artifacts/artifacts/1/run1/artifacts/summary.json", "POST runs/update FINISHED"));
        assertThat(sequence(requests)).containsExactlyElementsOf(expected);

        assertThat(requests.get(0).path()).isEqualTo("/api/2.0/mlflow/experiments/get-by-name?experiment_name=lamb+tests");
        assertThat(requests.get(1).json().path("name").asText()).isEqualTo("lamb tests");
        JsonNode create = requests.get(2).json();
        assertThat(create.path("experiment_id").asText()).isEqualTo("1");
        assertThat(create.path("run_name").asText()).isEqualTo("run");
        Map<String, String> sent = new TreeMap<>();
        for (FakeMlflowServer.Request r : requests) {
            if (r.path().endsWith("runs/log-batch")) {
                assertThat(r.json().path("run_id").asText()).isEqualTo("run1");
                assertThat(r.json().path("metrics").size()).isLessThanOrEqualTo(1000);
                assertThat(r.json().path("params").size()).isLessThanOrEqualTo(100);
                r.json().path("params").forEach(p -> sent.put(p.path("key").asText(), p.path("value").asText()));
            }
        }
        assertThat(sent).isEqualTo(params).containsEntry("spark-lamb.training.max-steps", "3");
        assertThat(logged(requests, "loss")).isEqualTo(lossesIn(out)).containsOnlyKeys(1L, 2L, 3L);
        assertThat(logged(requests, "summary.steps")).containsExactly(Map.entry(3L, 3.0));
        assertThat(server.artifacts().get("1/run1/artifacts/model.zip")).isEqualTo(Files.readAllBytes(out.resolve("model.zip")));
        assertThat(server.artifacts().get("1/run1/artifacts/summary.json")).isEqualTo(Files.readAllBytes(out.resolve("summary.json")));
        JsonNode update = requests.get(requests.size() - 1).json();
        assertThat(update.path("run_id").asText()).isEqualTo("run1");
        assertThat(update.path("end_time").asLong()).isPositive();
        assertThat(server.runStatus("run1")).isEqualTo("FINISHED");
        assertThat(JSON.readTree(out.resolve("checkpoints").resolve(MlflowRunRecord.FILE).toFile()).path("run_id").asText()).isEqualTo("run1");
        assertThat(warnings).isEmpty();
    }

    @Test
    void failedRunEndsFailedAndItsResumeContinuesTheSameMlflowRun() throws Exception {
        Path out = tmp.resolve("run");
        RunConfig config = config(out, server.uri());
        assertThatThrownBy(() -> new SparkTrainer(spark, config).listener((m, p, u) -> {
            if (p.nextStep() == 2) {
                throw new IllegalStateException("stopping after step 2 on purpose");
            }
        }).fit()).hasMessageContaining("on purpose");
        List<String> failed = sequence(server.requests());
        assertThat(failed.subList(0, 3)).containsExactly("GET experiments/get-by-name", "POST experiments/create", "POST runs/create");
        assertThat(failed.subList(failed.size() - 2, failed.size())).containsExactly("POST runs/log-batch metrics", "POST runs/update FAILED");
        assertThat(logged(server.requests(), "loss")).containsOnlyKeys(1L, 2L);
        assertThat(server.runStatus("run1")).isEqualTo("FAILED");
        assertThat(server.artifacts()).isEmpty();

        server.clearRequests();
        new SparkTrainer(spark, config).resume(true).fit();
        List<FakeMlflowServer.Request> resumed = server.requests();
        assertThat(sequence(resumed)).containsExactly("POST runs/log-batch metrics", "POST runs/log-batch summary",
                "PUT /api/2.0/mlflow-artifacts/artifacts/1/run1/artifacts/model.zip",
                "PUT /api/2.0/mlflow-artifacts/artifacts/1/run1/artifacts/summary.json", "POST runs/update FINISHED");
        assertThat(resumed).allSatisfy(r -> {
            if (r.method().equals("POST")) {
                assertThat(r.json().path("run_id").asText()).isEqualTo("run1");
            }
        });
        assertThat(logged(resumed, "loss")).isEqualTo(Map.of(3L, lossesIn(out).get(3L)));
        assertThat(server.runStatus("run1")).isEqualTo("FINISHED");
        assertThat(warnings).isEmpty();
    }

    @Test
    void serverAnswering500DoesNotFailTheRunAndWarnsOnce() {
        server.failing();
        Path out = tmp.resolve("run");
        new SparkTrainer(spark, config(out, server.uri())).fit();
        assertThat(out.resolve("model.zip")).exists();
        assertThat(server.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.path()).contains("experiments/get-by-name"));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage().getFormattedMessage()).contains("creating the MLflow run failed").contains("HTTP 500");
    }

    @Test
    void serverThatIsDownDoesNotFailTheRunAndWarnsOnce() {
        String uri = server.uri();
        server.close();
        Path out = tmp.resolve("run");
        new SparkTrainer(spark, config(out, uri)).fit();
        assertThat(out.resolve("model.zip")).exists();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage().getFormattedMessage()).contains("creating the MLflow run failed").contains(uri);
    }

    @Test
    void enabledWithoutATrackingUriIsAConfigurationErrorNamingTheKey() {
        Path out = tmp.resolve("run");
        RunConfig config = TestSpark.config(out, "data.train=\"" + train + "\"", "tracking.mlflow.enabled=true");
        assertThatThrownBy(() -> MlflowTarget.resolve(config.tracking().mlflow(), Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.tracking.mlflow.enabled")
                .hasMessageContaining("MLFLOW_TRACKING_URI");
        assertThat(out).doesNotExist();
    }
}
