package dev.sparklamb.spark.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few MLflow REST endpoints a run uses (field names as in MLflow's REST API reference): experiments/get-by-name,
 * experiments/create, runs/create, runs/log-batch, runs/update, and the artifact proxy's upload
 * ({@code PUT /api/2.0/mlflow-artifacts/artifacts/{path}}). One attempt per call; {@link MlflowTracker} retries.
 */
final class MlflowClient {

    static final String API = "/api/2.0/mlflow/";
    static final String ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MlflowTarget target;
    private final HttpClient http;
    private final Duration timeout;

    MlflowClient(MlflowTarget target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The run MLflow created: its id and where its artifacts go. */
    record CreatedRun(String runId, String experimentId, String artifactUri) {
    }

    /** The experiment's id, or empty when there is no experiment of that name. */
    Optional<String> experimentIdByName(String name) throws IOException, InterruptedException {
        try {
            JsonNode r = send("GET", API + "experiments/get-by-name?experiment_name=" + URLEncoder.encode(name, StandardCharsets.UTF_8), null);
            return Optional.of(r.path("experiment").path("experiment_id").asText());
        } catch (MlflowException e) {
            if (e.status() == 404 || "RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    String createExperiment(String name) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        return send("POST", API + "experiments/create", body).path("experiment_id").asText();
    }

    CreatedRun createRun(String experimentId, String runName, long startTime) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("experiment_id", experimentId).put("run_name", runName).put("start_time", startTime);
        body.putArray("tags").addObject().put("key", "mlflow.runName").put("value", runName);
        JsonNode info = send("POST", API + "runs/create", body).path("run").path("info");
        String runId = info.hasNonNull("run_id") ? info.get("run_id").asText() : info.path("run_uuid").asText();
        if (runId.isEmpty()) {
            throw new IOException("runs/create: the answer has no run.info.run_id");
        }
        return new CreatedRun(runId, experimentId, info.path("artifact_uri").asText(""));
    }

    /** At most 1000 metrics and 100 params per call (MLflow's limits; callers split). */
    void logBatch(String runId, List<MetricPoint> metrics, Map<String, String> params) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("run_id", runId);
        ArrayNode m = body.putArray("metrics");
        for (MetricPoint p : metrics) {
            m.addObject().put("key", p.key()).put("value", p.value()).put("timestamp", p.timestamp()).put("step", p.step());
        }
        ArrayNode ps = body.putArray("params");
        params.forEach((k, v) -> ps.addObject().put("key", k).put("value", v));
        body.putArray("tags");
        send("POST", API + "runs/log-batch", body);
    }

    void updateRun(String runId, String status, long endTime) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("run_id", runId).put("status", status).put("end_time", endTime);
        send("POST", API + "runs/update", body);
    }

    /** Uploads through the artifact proxy; {@code path} is relative to {@link #ARTIFACTS}. */
    void uploadArtifact(String path, byte[] content) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(ARTIFACTS + path).PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .header("Content-Type", "application/octet-stream");
        check("PUT " + ARTIFACTS + path, http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private JsonNode send(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path);
        if (body == null) {
            b.GET();
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        check(method + " " + path, r);
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.baseUri() + path)).timeout(timeout);
        target.authorization().ifPresent(a -> b.header("Authorization", a));
        return b;
    }

    private static void check(String request, HttpResponse<String> r) throws MlflowException {
        if (r.statusCode() / 100 != 2) {
            String code = "";
            try {
                code = JSON.readTree(r.body()).path("error_code").asText("");
            } catch (IOException | RuntimeException notJson) {
                // keep the body as it is
            }
            throw new MlflowException(request, r.statusCode(), code, r.body() == null ? "" : r.body());
        }
    }
}
