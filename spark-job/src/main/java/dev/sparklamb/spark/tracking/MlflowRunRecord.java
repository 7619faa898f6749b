package dev.sparklamb.spark.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The MLflow run a training run logs to, kept in its checkpoint directory ({@value #FILE}) so that {@code --resume}
 * continues the same MLflow run. Written atomically (temporary file, then rename) through the Hadoop FileSystem API.
 */
record MlflowRunRecord(String runId, String experimentId, String artifactUri) {

    static final String FILE = "mlflow-run.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The record in {@code directory}, or empty when there is none or it cannot be read (then a new run is created). */
    static Optional<MlflowRunRecord> read(String directory, Configuration hadoop) throws IOException {
        Path p = new Path(directory, FILE);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            return Optional.empty();
        }
        try (InputStream in = fs.open(p)) {
            JsonNode n = JSON.readTree(in);
            String runId = n.path("run_id").asText("");
            return runId.isEmpty() ? Optional.empty()
                    : Optional.of(new MlflowRunRecord(runId, n.path("experiment_id").asText(""), n.path("artifact_uri").asText("")));
        }
    }

    void write(String directory, Configuration hadoop) throws IOException {
        Path dir = new Path(directory);
        Path target = new Path(dir, FILE);
        Path tmp = new Path(dir, "." + FILE + "." + UUID.randomUUID() + ".tmp");
        FileSystem fs = target.getFileSystem(hadoop);
        fs.mkdirs(dir);
        try (OutputStream out = fs.create(tmp, false)) {
            out.write(JSON.writeValueAsString(Map.of("run_id", runId, "experiment_id", experimentId, "artifact_uri", artifactUri))
                    .getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(target, false); // HDFS's rename never replaces an existing file
        if (!fs.rename(tmp, target)) {
            throw new IOException("rename " + tmp + " -> " + target + " failed");
        }
    }
}
