package dev.sparklamb.spark.tracking;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the tracker sends, shaped to MLflow's REST API limits: params in chunks, nested numbers as metrics, artifact paths. */
final class MlflowPayloads {

    /** MLflow's runs/log-batch limits (REST API reference: 1000 metrics, 100 params, 1000 entities in all). */
    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS = 100;
    /** MLflow's limits on a param's key and value length. */
    static final int MAX_PARAM_KEY = 250;
    static final int MAX_PARAM_VALUE = 6000;

    private MlflowPayloads() {
    }

    /** The configuration's keys and values, cut to MLflow's lengths, in calls of at most {@value #MAX_PARAMS}. */
    static List<Map<String, String>> paramChunks(Map<String, String> values) {
        List<Map<String, String>> chunks = new ArrayList<>();
        Map<String, String> chunk = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey().length() > MAX_PARAM_KEY ? e.getKey().substring(0, MAX_PARAM_KEY) : e.getKey();
            String value = e.getValue().length() > MAX_PARAM_VALUE ? e.getValue().substring(0, MAX_PARAM_VALUE - 3) + "..." : e.getValue();
            chunk.put(key, value);
            if (chunk.size() == MAX_PARAMS) {
                chunks.add(chunk);
                chunk = new LinkedHashMap<>();
            }
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }

    /**
     * The path under {@link MlflowClient#ARTIFACTS} for an artifact URI of the artifact proxy
     * ({@code mlflow-artifacts:/1/<run>/artifacts} or {@code mlflow-artifacts://host:port/1/<run>/artifacts}); empty for
     * any other store (s3:, dbfs:, file: ...), which this client does not write.
     */
    static Optional<String> proxiedPath(String artifactUri) {
        String prefix = "mlflow-artifacts:";
        if (!artifactUri.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = artifactUri.substring(prefix.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
    }

    /** Numbers (and booleans as 0/1) of {@code map}, nested maps as {@code parent.child}; nulls and strings left out. */
    static void flatten(String prefix, Map<String, ?> map, long step, long timestamp, List<MetricPoint> out) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            Object v = e.getValue();
            String key = prefix + e.getKey();
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                out.add(new MetricPoint(key, n.doubleValue(), step, timestamp));
            } else if (v instanceof Boolean b) {
                out.add(new MetricPoint(key, b ? 1 : 0, step, timestamp));
            } else if (v instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, ?> m = (Map<String, ?>) nested;
                flatten(key + ".", m, step, timestamp, out);
            }
        }
    }

}
