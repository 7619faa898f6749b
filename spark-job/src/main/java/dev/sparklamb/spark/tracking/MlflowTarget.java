package dev.sparklamb.spark.tracking;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.MlflowSettings;
import dev.sparklamb.spark.config.MlflowSwitch;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Where a run is tracked and how requests authenticate, from {@code spark-lamb.tracking.mlflow} and the environment
 * (MLflow's own variables): the URI is the key {@code tracking-uri}, else {@code MLFLOW_TRACKING_URI}; {@code auto}
 * tracks when there is one. {@code databricks} (or {@code databricks://profile}) means {@code DATABRICKS_HOST} with
 * the bearer {@code DATABRICKS_TOKEN}; otherwise {@code MLFLOW_TRACKING_TOKEN} (bearer) or
 * {@code MLFLOW_TRACKING_USERNAME}/{@code MLFLOW_TRACKING_PASSWORD} (basic) when set.
 *
 * @param baseUri       the server, without a trailing slash (e.g. {@code http://127.0.0.1:5000})
 * @param authorization the {@code Authorization} header's value, if any
 * @param experiment    the experiment's name
 */
public record MlflowTarget(URI baseUri, Optional<String> authorization, String experiment) {

    static final String URI_KEY = "spark-lamb.tracking.mlflow.tracking-uri";

    /**
     * The target, or empty when tracking is off.
     *
     * @throws ConfigurationException when tracking is on without a usable URI or credentials, naming the key or variable
     */
    public static Optional<MlflowTarget> resolve(MlflowSettings settings, Map<String, String> env) {
        if (settings.enabled() == MlflowSwitch.FALSE) {
            return Optional.empty();
        }
        String uri = settings.trackingUri().isEmpty() ? env.getOrDefault("MLFLOW_TRACKING_URI", "").trim() : settings.trackingUri();
        String from = settings.trackingUri().isEmpty() ? "environment variable MLFLOW_TRACKING_URI" : URI_KEY;
        if (uri.isEmpty()) {
            if (settings.enabled() == MlflowSwitch.TRUE) {
                throw new ConfigurationException(MlflowSwitch.KEY + " is true but no tracking URI is given: set " + URI_KEY
                        + " or the environment variable MLFLOW_TRACKING_URI (http(s)://host:port or databricks)");
            }
            return Optional.empty();
        }
        if (uri.equals("databricks") || uri.startsWith("databricks://")) {
            String host = env.getOrDefault("DATABRICKS_HOST", "").trim();
            String token = env.getOrDefault("DATABRICKS_TOKEN", "").trim();
            if (host.isEmpty() || token.isEmpty()) {
                throw new ConfigurationException(from + " is '" + uri + "': expected the environment variables DATABRICKS_HOST "
                        + "and DATABRICKS_TOKEN to be set (" + (host.isEmpty() ? "DATABRICKS_HOST" : "DATABRICKS_TOKEN") + " is not)");
            }
            return Optional.of(new MlflowTarget(base(host.contains("://") ? host : "https://" + host, "DATABRICKS_HOST"),
                    Optional.of("Bearer " + token), settings.experiment()));
        }
        URI base = base(uri, from);
        String token = env.getOrDefault("MLFLOW_TRACKING_TOKEN", "");
        String user = env.getOrDefault("MLFLOW_TRACKING_USERNAME", "");
        String password = env.getOrDefault("MLFLOW_TRACKING_PASSWORD", "");
        Optional<String> auth = !token.isEmpty() ? Optional.of("Bearer " + token)
                : !user.isEmpty() ? Optional.of("Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)))
                : Optional.empty();
        return Optional.of(new MlflowTarget(base, auth, settings.experiment()));
    }

    private static URI base(String text, String from) {
        URI u;
        try {
            u = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(from + ": '" + text + "' is not a URI: " + e.getMessage(), e);
        }
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
            throw new ConfigurationException(from + ": '" + text + "' is not an MLflow tracking server; expected http(s)://host[:port] "
                    + "or databricks (local stores such as file: or sqlite: are not supported)");
        }
        return u;
    }

    @Override
    public String toString() {
        return baseUri + " (experiment '" + experiment + "')"; // never the credentials
    }
}
