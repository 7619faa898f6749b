package dev.sparklamb.spark.bench.sweep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One JSON file per run, {@code <dir>/<run id>.json}, written under a temporary name and renamed. */
public final class ResultStore {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    public ResultStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    public boolean has(SweepRun run) {
        return Files.exists(file(run.id()));
    }

    public void write(RunResult result) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + result.id() + ".json.tmp");
            JSON.writeValue(tmp.toFile(), result);
            Files.move(tmp, file(result.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the result of " + result.id() + " to " + dir, e);
        }
    }

    /** Every result in the directory, in file-name order. */
    public List<RunResult> readAll() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<RunResult> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                all.add(read(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return all;
    }

    static RunResult read(Path p) {
        try {
            return JSON.readValue(p.toFile(), RunResult.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep result " + p + ": " + e.getMessage(), e);
        }
    }

    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(String id) {
        return dir.resolve(id + ".json");
    }
}
