package dev.sparklamb.spark.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A loopback stand-in for an MLflow tracking server with the artifact proxy: the endpoints spark-lamb uses, answering
 * as MLflow's REST API reference documents them (404 RESOURCE_DOES_NOT_EXIST for an unknown experiment or run, 400
 * INVALID_PARAMETER_VALUE beyond log-batch's limits). Records every request. Bound to 127.0.0.1 on a free port.
 */
public final class FakeMlflowServer implements AutoCloseable {

    /** One request as received. */
    public record Request(String method, String path, String authorization, byte[] body) {

        public JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(path + ": not JSON", e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, String> experiments = new HashMap<>();
    private final Map<String, String> runs = new HashMap<>();
    private final Map<String, byte[]> artifacts = new HashMap<>();
    private volatile boolean failing;

    public FakeMlflowServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Every request from now on is answered 500. */
    public FakeMlflowServer failing() {
        failing = true;
        return this;
    }

    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized void clearRequests() {
        requests.clear();
    }

    public synchronized Map<String, byte[]> artifacts() {
        return Map.copyOf(artifacts);
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        String path = x.getRequestURI().getRawPath() + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery());
        synchronized (this) {
            requests.add(new Request(x.getRequestMethod(), path, x.getRequestHeaders().getFirst("Authorization"), body));
        }
        if (failing) {
            reply(x, 500, error("INTERNAL_ERROR", "failing on purpose"));
            return;
        }
        try {
            answer(x, x.getRequestURI().getPath(), body);
        } catch (RuntimeException e) {
            reply(x, 400, error("INVALID_PARAMETER_VALUE", e.toString()));
        }
    }

    private synchronized void answer(HttpExchange x, String path, byte[] body) throws IOException {
        String api = "/api/2.0/mlflow/";
        String method = x.getRequestMethod();
        if (method.equals("PUT") && path.startsWith("/api/2.0/mlflow-artifacts/artifacts/")) {
            artifacts.put(path.substring("/api/2.0/mlflow-artifacts/artifacts/".length()), body);
            reply(x, 200, JSON.createObjectNode());
            return;
        }
        JsonNode in = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        switch (method + " " + path.substring(Math.min(path.length(), api.length()))) {
            case "GET experiments/get-by-name" -> {
                String name = java.net.URLDecoder.decode(x.getRequestURI().getRawQuery().replaceFirst("^experiment_name=", ""),
                        StandardCharsets.UTF_8);
                String id = experiments.get(name);
                if (id == null) {
                    reply(x, 404, error("RESOURCE_DOES_NOT_EXIST", "Could not find experiment with name '" + name + "'"));
                } else {
                    ObjectNode r = JSON.createObjectNode();
                    r.putObject("experiment").put("experiment_id", id).put("name", name).put("lifecycle_stage", "active");
                    reply(x, 200, r);
                }
            }
            case "POST experiments/create" -> {
                String name = in.get("name").asText();
                String id = Integer.toString(experiments.size() + 1);
                experiments.put(name, id);
                reply(x, 200, JSON.createObjectNode().put("experiment_id", id));
            }
            case "POST runs/create" -> {
                String exp = in.get("experiment_id").asText();
                if (!experiments.containsValue(exp)) {
                    reply(x, 404, error("RESOURCE_DOES_NOT_EXIST", "No experiment " + exp));
                    return;
                }
                String id = "run" + (runs.size() + 1);
                runs.put(id, "RUNNING");
                ObjectNode r = JSON.createObjectNode();
                r.putObject("run").putObject("info").put("run_id", id).put("run_uuid", id).put("experiment_id", exp)
                        .put("status", "RUNNING").put("start_time", in.path("start_time").asLong())
                        .put("artifact_uri", "mlflow-artifacts:/" + exp + "/" + id + "/artifacts").put("lifecycle_stage", "active");
                reply(x, 200, r);
            }
            case "POST runs/log-batch" -> {
                if (!runs.containsKey(in.path("run_id").asText())) {
                    reply(x, 404, error("RESOURCE_DOES_NOT_EXIST", "Run '" + in.path("run_id").asText() + "' not found"));
                } else if (in.path("metrics").size() > 1000 || in.path("params").size() > 100 || in.path("tags").size() > 100) {
                    reply(x, 400, error("INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 1000 metrics"));
                } else {
                    reply(x, 200, JSON.createObjectNode());
                }
            }
            case "POST runs/update" -> {
                String id = in.path("run_id").asText();
                if (!runs.containsKey(id)) {
                    reply(x, 404, error("RESOURCE_DOES_NOT_EXIST", "Run '" + id + "' not found"));
                    return;
                }
                runs.put(id, in.path("status").asText());
                ObjectNode r = JSON.createObjectNode();
                r.putObject("run_info").put("run_id", id).put("status", in.path("status").asText());
                reply(x, 200, r);
            }
            default -> reply(x, 404, error("ENDPOINT_NOT_FOUND", method + " " + path));
        }
    }

    /** The status runs/update last set for {@code runId} (RUNNING after runs/create), or null for an unknown run. */
    public synchronized String runStatus(String runId) {
        return runs.get(runId);
    }

    private static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void reply(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
