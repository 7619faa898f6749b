package dev.sparklamb.spark.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.lease.RunLease;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's output directory on any Hadoop file system: {@value #METRICS} (one JSON object per step, flushed as it
 * goes), {@value #MODEL} (the trained network in DL4J's format) and {@value #SUMMARY}. Files other than the metrics
 * are written under a temporary name and renamed when complete, so a file that exists is whole.
 */
public final class RunOutput implements AutoCloseable {

    public static final String METRICS = "metrics.jsonl";
    public static final String MODEL = "model.zip";
    public static final String SUMMARY = "summary.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path dir;
    private FSDataOutputStream metrics;

    private RunOutput(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /**
     * Checks that {@code uri} can be used (absent, or an empty directory) without creating anything. The run lease's
     * own files do not count ({@link RunLease}).
     */
    public static void requireUsable(String uri, Configuration hadoop) {
        try {
            Path p = new Path(uri);
            FileSystem fs = p.getFileSystem(hadoop);
            if (fs.exists(p)) {
                if (!fs.getFileStatus(p).isDirectory()) {
                    throw new ConfigurationException("spark-lamb.output: '" + uri + "' exists and is a file; expected a new or empty directory");
                }
                if (java.util.Arrays.stream(fs.listStatus(p)).anyMatch(f -> !RunLease.isLeaseFile(f.getPath().getName()))) {
                    throw new ConfigurationException("spark-lamb.output: directory '" + uri
                            + "' is not empty; choose a new directory, or pass --resume to continue the run it holds "
                            + "(nothing in it was changed)");
                }
            }
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.output: cannot access '" + uri + "': " + e.getMessage(), e);
        }
    }

    /**
     * Refuses an output (or checkpoint) location that is, or lies inside, one of the input paths: a run must never
     * write into its own data.
     *
     * @param key the configuration key of {@code location}, for the message
     */
    public static void requireOutsideInputs(String key, String location, java.util.List<String> inputs, Configuration hadoop) {
        try {
            Path out = new Path(location);
            String outUri = out.getFileSystem(hadoop).makeQualified(out).toUri().toString().replaceAll("/+$", "");
            for (String input : inputs) {
                if (input == null || input.isEmpty()) {
                    continue;
                }
                Path in = new Path(input);
                String inUri = in.getFileSystem(hadoop).makeQualified(in).toUri().toString().replaceAll("/+$", "");
                if (outUri.equals(inUri) || outUri.startsWith(inUri + "/")) {
                    throw new ConfigurationException(key + ": '" + location + "' lies inside the input data '" + input
                            + "'; a run must not write into its data (nothing was written)");
                }
            }
        } catch (IOException e) {
            throw new ConfigurationException(key + ": cannot access '" + location + "': " + e.getMessage(), e);
        }
    }

    /** Files and folders a run writes into its output directory; resuming accepts nothing else there. */
    static final java.util.Set<String> OWN = java.util.Set.of(METRICS, MODEL, SUMMARY, "checkpoints");

    /**
     * Checks that a run can resume in {@code uri}: absent, or a directory holding only what a run writes (hidden
     * temporary files included).
     */
    public static void requireResumable(String uri, Configuration hadoop) {
        try {
            Path p = new Path(uri);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                return;
            }
            if (!fs.getFileStatus(p).isDirectory()) {
                throw new ConfigurationException("spark-lamb.output: '" + uri + "' exists and is a file; expected a run's output directory");
            }
            for (var f : fs.listStatus(p)) {
                String name = f.getPath().getName();
                if (!OWN.contains(name) && !name.startsWith(".")) {
                    throw new ConfigurationException("spark-lamb.output: '" + uri + "' holds '" + name
                            + "', which a spark-lamb run does not write; refusing to resume into it (nothing was changed)");
                }
            }
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.output: cannot access '" + uri + "': " + e.getMessage(), e);
        }
    }

    /** Creates the directory and opens the metrics file. */
    public static RunOutput create(String uri, Configuration hadoop) {
        requireUsable(uri, hadoop);
        return open(uri, hadoop, 0);
    }

    /**
     * Opens a resumed run's directory: metrics of steps after {@code keepThroughStep} (written after the checkpoint
     * being resumed from) are dropped, the rest kept.
     */
    public static RunOutput resume(String uri, Configuration hadoop, long keepThroughStep) {
        requireResumable(uri, hadoop);
        return open(uri, hadoop, keepThroughStep);
    }

    private static RunOutput open(String uri, Configuration hadoop, long keepThroughStep) {
        try {
            Path p = new Path(uri);
            // A private (uncached) instance, so switching off checksum side files does not touch the session's.
            FileSystem fs = FileSystem.newInstance(p.toUri(), hadoop);
            if (!fs.mkdirs(p)) {
                throw new ConfigurationException("spark-lamb.output: cannot create directory '" + uri + "'");
            }
            fs.setWriteChecksum(false); // no .crc side files next to the outputs on the local file system
            RunOutput out = new RunOutput(fs, fs.makeQualified(p));
            Path metricsPath = new Path(p, METRICS);
            java.util.List<String> kept = new java.util.ArrayList<>();
            if (keepThroughStep > 0 && fs.exists(metricsPath)) {
                try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(metricsPath), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        try {
                            if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= keepThroughStep) {
                                kept.add(line);
                            }
                        } catch (IOException partialLine) {
                            // a line cut off by a crash: skipped
                        }
                    }
                }
                // The kept history is written completely under a temporary name before it replaces the old file,
                // so a failure here never loses steps 1..k; then the run appends to it.
                out.writeAtomically(METRICS, o -> {
                    for (String line : kept) {
                        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                });
                try {
                    out.metrics = fs.append(metricsPath);
                    return out;
                } catch (IOException | UnsupportedOperationException noAppend) {
                    // object stores: rewrite the kept lines into a new stream below
                }
            }
            out.metrics = fs.create(metricsPath, true);
            for (String line : kept) {
                out.metrics.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.metrics.hflush();
            return out;
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.output: cannot write to '" + uri + "': " + e.getMessage(), e);
        }
    }

    public String uri() {
        return dir.toString();
    }

    public void writeStep(StepMetrics m) {
        try {
            metrics.write(JSON.writeValueAsBytes(m.toMap()));
            metrics.write('\n');
            metrics.hflush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + new Path(dir, METRICS), e);
        }
    }

    /** Writes {@code name} through {@code writer} under a temporary name, then renames it into place. */
    public void writeAtomically(String name, IoWriter writer) {
        Path tmp = new Path(dir, "." + name + ".tmp");
        Path target = new Path(dir, name);
        try {
            try (OutputStream o = fs.create(tmp, true)) {
                writer.write(o);
            }
            fs.delete(target, false); // HDFS's rename never replaces an existing file (a resumed run that had already finished)
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target, e);
        }
    }

    /** True when {@code name} exists in the output directory. */
    public boolean exists(String name) {
        try {
            return fs.exists(new Path(dir, name));
        } catch (IOException e) {
            throw new UncheckedIOException("checking " + new Path(dir, name), e);
        }
    }

    public void writeSummary(Map<String, Object> summary) {
        writeAtomically(SUMMARY, o -> o.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary).getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        try {
            if (metrics != null) {
                metrics.close();
            }
            fs.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + new Path(dir, METRICS), e);
        }
    }

    /** Writes one file's bytes. */
    @FunctionalInterface
    public interface IoWriter {
        void write(OutputStream out) throws IOException;
    }
}
