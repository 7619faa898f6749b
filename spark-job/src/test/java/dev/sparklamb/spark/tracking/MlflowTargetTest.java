package dev.sparklamb.spark.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.MlflowSettings;
import dev.sparklamb.spark.config.MlflowSwitch;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The switch, the URI and MLflow's authentication variables; artifact-proxy paths and MLflow's param limits. */
class MlflowTargetTest {

    static MlflowSettings settings(MlflowSwitch enabled, String uri) {
        return new MlflowSettings(enabled, uri, "e", 10, 1);
    }

    @Test
    void autoTracksOnlyWithAUri() {
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.AUTO, ""), Map.of())).isEmpty();
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.AUTO, ""), Map.of("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000/")))
                .map(t -> t.baseUri().toString()).contains("http://127.0.0.1:5000");
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.FALSE, "http://127.0.0.1:1"), Map.of())).isEmpty();
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.AUTO, "http://127.0.0.1:1"), Map.of("MLFLOW_TRACKING_URI", "http://127.0.0.1:2")))
                .map(t -> t.baseUri().getPort()).contains(1);
    }

    @Test
    void authenticationFromMlflowsVariables() {
        Map<String, String> bearer = Map.of("MLFLOW_TRACKING_TOKEN", "tok", "MLFLOW_TRACKING_USERNAME", "u");
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.TRUE, "http://127.0.0.1:1"), bearer).get().authorization()).contains("Bearer tok");
        Map<String, String> basic = Map.of("MLFLOW_TRACKING_USERNAME", "u", "MLFLOW_TRACKING_PASSWORD", "p w");
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.TRUE, "http://127.0.0.1:1"), basic).get().authorization())
                .contains("Basic " + Base64.getEncoder().encodeToString("u:p w".getBytes()));
        assertThat(MlflowTarget.resolve(settings(MlflowSwitch.TRUE, "http://127.0.0.1:1"), Map.of()).get().authorization()).isEmpty();
        MlflowTarget db = MlflowTarget.resolve(settings(MlflowSwitch.AUTO, "databricks"),
                Map.of("DATABRICKS_HOST", "adb-1.azuredatabricks.net", "DATABRICKS_TOKEN", "dapi1")).get();
        assertThat(db.baseUri().toString()).isEqualTo("https://adb-1.azuredatabricks.net");
        assertThat(db.authorization()).contains("Bearer dapi1");
        assertThat(db.toString()).doesNotContain("dapi1");
    }

    @Test
    void unusableUrisNameTheKeyOrVariable() {
        assertThatThrownBy(() -> MlflowTarget.resolve(settings(MlflowSwitch.AUTO, "databricks"), Map.of("DATABRICKS_HOST", "h")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DATABRICKS_TOKEN");
        assertThatThrownBy(() -> MlflowTarget.resolve(settings(MlflowSwitch.AUTO, "file:///tmp/mlruns"), Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.tracking.mlflow.tracking-uri");
        assertThatThrownBy(() -> MlflowTarget.resolve(settings(MlflowSwitch.AUTO, ""), Map.of("MLFLOW_TRACKING_URI", "sqlite:///m.db")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("MLFLOW_TRACKING_URI");
    }

    @Test
    void artifactProxyPathsAndParamLimits() {
        assertThat(MlflowPayloads.proxiedPath("mlflow-artifacts:/1/abc/artifacts")).contains("1/abc/artifacts");
        assertThat(MlflowPayloads.proxiedPath("mlflow-artifacts://host:5000/1/abc/artifacts/")).contains("1/abc/artifacts");
        assertThat(MlflowPayloads.proxiedPath("s3://bucket/1/abc/artifacts")).isEmpty();
        assertThat(MlflowPayloads.proxiedPath("dbfs:/databricks/mlflow-tracking/1/abc/artifacts")).isEmpty();
        Map<String, String> many = new java.util.TreeMap<>();
        for (int i = 0; i < 250; i++) {
            many.put(String.format("k%03d", i), i == 7 ? "x".repeat(7000) : "v");
        }
        var chunks = MlflowPayloads.paramChunks(many);
        assertThat(chunks).extracting(Map::size).containsExactly(100, 100, 50);
        assertThat(chunks.get(0).get("k007")).hasSize(6000).endsWith("...");
        assertThat(Optional.ofNullable(chunks.get(2).get("k249"))).contains("v");
    }
}
