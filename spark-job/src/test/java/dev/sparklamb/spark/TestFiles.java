package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Data files for tests that go through the trainer's path-based entry point, and assertions on what a run leaves. */
public final class TestFiles {

    private TestFiles() {
    }

    /** Writes {@code frame} as one Parquet file (row order kept) into the new directory {@code dir}; returns its URI. */
    public static String parquet(Dataset<Row> frame, Path dir) {
        frame.coalesce(1).write().parquet(dir.toUri().toString());
        return dir.toUri().toString();
    }

    /**
     * Writes {@code data} as one CSV file with a header row: {@code label} first, then one column {@code f0..f(d-1)} per
     * feature, every value written with {@link Float#toString(float)} so that parsing gives back the same float.
     */
    static Path csv(TestSpark.Synthetic data, Path file) {
        try {
            Files.createDirectories(file.getParent());
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                int d = data.side() * data.side();
                StringBuilder header = new StringBuilder("label");
                for (int j = 0; j < d; j++) {
                    header.append(",f").append(j);
                }
                w.write(header.append('\n').toString());
                for (int i = 0; i < data.labels().length; i++) {
                    StringBuilder line = new StringBuilder(Integer.toString(data.labels()[i]));
                    for (int j = 0; j < d; j++) {
                        line.append(',').append(Float.toString(data.features()[i][j]));
                    }
                    w.write(line.append('\n').toString());
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of {@code data} with some of its values changed (for bad-input tests). */
    static TestSpark.Synthetic withLabel(TestSpark.Synthetic data, int row, int label) {
        int[] y = data.labels().clone();
        y[row] = label;
        return new TestSpark.Synthetic(data.features(), y, data.side());
    }

    static TestSpark.Synthetic withFeature(TestSpark.Synthetic data, int row, int column, float value) {
        float[][] x = new float[data.features().length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = data.features()[i].clone();
        }
        x[row][column] = value;
        return new TestSpark.Synthetic(x, data.labels(), data.side());
    }

    /** The first {@code n} examples of {@code data}. */
    static TestSpark.Synthetic head(TestSpark.Synthetic data, int n) {
        float[][] x = java.util.Arrays.copyOf(data.features(), n);
        int[] y = java.util.Arrays.copyOf(data.labels(), n);
        return new TestSpark.Synthetic(x, y, data.side());
    }

    /** Relative path to size and bytes' hash of every file under {@code dir} (to show a directory was left untouched). */
    static Map<String, String> snapshot(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p)) {
                    byte[] bytes = Files.readAllBytes(p);
                    out.put(dir.relativize(p).toString(), bytes.length + ":" + java.util.Arrays.hashCode(bytes));
                } else if (!p.equals(dir)) {
                    out.put(dir.relativize(p) + "/", "dir");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Names of the entries directly in {@code dir}. */
    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The error is one the application reports as the user's mistake (what {@code SparkLambCli.handle} classifies as
     * bad configuration or bad data, not as an internal failure), and its message contains every one of {@code parts}.
     */
    static void assertUserError(Throwable e, String... parts) {
        assertThat(e).as("exception type").isNotNull();
        boolean ours = e instanceof ConfigurationException || e instanceof DataException
                || e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith("spark-lamb.");
        assertThat(ours)
                .as("expected a ConfigurationException, a DataException or an IllegalArgumentException whose message starts with "
                        + "'spark-lamb.', got %s", e.toString())
                .isTrue();
        for (String part : parts) {
            assertThat(e.getMessage()).contains(part);
        }
    }

    /** max |actual - expected| / max |expected| is at most {@code relative}. */
    static void assertClose(float[] actual, float[] expected, double relative) {
        assertThat(relativeDifference(actual, expected)).as("max |distributed - local| / max |local|").isLessThanOrEqualTo(relative);
    }

    /** max |actual - expected| / max |expected|. */
    public static double relativeDifference(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        return maxDiff / maxAbs;
    }
}
