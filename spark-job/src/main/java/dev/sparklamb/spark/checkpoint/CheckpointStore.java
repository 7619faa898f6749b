package dev.sparklamb.spark.checkpoint;

import dev.sparklamb.optim.StateFormatException;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in one directory of any Hadoop file system, named {@code step-<12 digits>.ckpt}. Each is written
 * under a hidden temporary name and renamed into place when complete, so a visible checkpoint is whole (the rename
 * is atomic on HDFS and the local file system; on object stores the final object appears only complete). The newest
 * {@code keep} are kept.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final String PREFIX = "step-";
    private static final String SUFFIX = ".ckpt";

    private final FileSystem fs;
    private final Path dir;
    private final int keep;

    public CheckpointStore(String directory, Configuration hadoop, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoints to keep must be >= 1, got " + keep);
        }
        try {
            Path p = new Path(directory);
            this.fs = p.getFileSystem(hadoop);
            this.dir = fs.makeQualified(p);
            if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
                throw new ConfigurationException("spark-lamb.checkpoint.dir: '" + directory + "' exists and is a file; expected a directory");
            }
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.checkpoint.dir: cannot access '" + directory + "': " + e.getMessage(), e);
        }
        this.keep = keep;
    }

    public String directory() {
        return dir.toString();
    }

    /** Writes {@code c} atomically, then deletes all but the newest {@code keep} checkpoints. */
    public String save(RunCheckpoint c) {
        Path target = new Path(dir, String.format("%s%012d%s", PREFIX, c.nextStep(), SUFFIX));
        Path tmp = new Path(dir, "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            fs.mkdirs(dir);
            try (OutputStream out = fs.create(tmp, false)) {
                CheckpointCodec.encode(c, out);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // best effort; a hidden temporary file is never read as a checkpoint
            }
            throw new UncheckedIOException("writing checkpoint " + target, e);
        }
        List<Path> all = list();
        for (int i = 0; i + keep < all.size(); i++) {
            try {
                fs.delete(all.get(i), false);
            } catch (IOException e) {
                LOG.warn("could not delete old checkpoint {}: {}", all.get(i), e.getMessage());
            }
        }
        return target.toString();
    }

    /** The name of the file, next to the checkpoints, that holds the run's resolved configuration. */
    public static final String CONFIGURATION = "run-config.conf";

    /** Writes the run's resolved configuration next to the checkpoints (temporary name, then renamed). */
    public void saveConfiguration(String text) {
        Path target = new Path(dir, CONFIGURATION);
        Path tmp = new Path(dir, "." + CONFIGURATION + "." + UUID.randomUUID() + ".tmp");
        try {
            fs.mkdirs(dir);
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            fs.delete(target, false); // HDFS's rename never replaces an existing file
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target, e);
        }
    }

    /** The resolved configuration recorded next to the checkpoints, if there is one. */
    public Optional<String> loadConfiguration() {
        Path p = new Path(dir, CONFIGURATION);
        try {
            if (!fs.exists(p)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(p)) {
                return Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            LOG.warn("cannot read the recorded configuration {} ({}); the checkpoints' fingerprint alone decides", p, e.getMessage());
            return Optional.empty();
        }
    }

    /** Where {@link #saveConfiguration} writes. */
    public String configurationFile() {
        return new Path(dir, CONFIGURATION).toString();
    }

    /** Visible checkpoints, oldest first. */
    public List<Path> list() {
        try {
            if (!fs.exists(dir)) {
                return List.of();
            }
            FileStatus[] files = fs.listStatus(dir, p -> p.getName().startsWith(PREFIX) && p.getName().endsWith(SUFFIX));
            List<Path> paths = new ArrayList<>(Arrays.stream(files).map(FileStatus::getPath).toList());
            paths.sort(Comparator.comparing(Path::getName));
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("listing checkpoints in " + dir, e);
        }
    }

    /**
     * The newest checkpoint that decodes. A damaged one is reported and skipped for the one before it; one that
     * belongs to another model or configuration (other fingerprint) is refused.
     */
    public Optional<RunCheckpoint> loadNewest(String fingerprint) {
        List<Path> all = list();
        List<String> problems = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path p = all.get(i);
            RunCheckpoint c;
            try (InputStream in = fs.open(p)) {
                c = CheckpointCodec.decode(in, p.toString());
            } catch (StateFormatException e) {
                LOG.warn("checkpoint {} is unusable ({}); trying the previous one", p, e.getMessage());
                problems.add(p.getName() + ": " + e.getMessage());
                continue;
            } catch (IOException e) {
                LOG.warn("checkpoint {} cannot be read ({}); trying the previous one", p, e.getMessage());
                problems.add(p.getName() + ": " + e.getMessage());
                continue;
            }
            if (!c.fingerprint().equals(fingerprint)) {
                throw new ConfigurationException("checkpoint " + p + " was written for another model or configuration (fingerprint "
                        + c.fingerprint() + ", this run " + fingerprint + "); refusing to resume from it. Resume with the original "
                        + "configuration, or train into a new output directory");
            }
            LOG.info("resuming from checkpoint {} (next step {})", p, c.nextStep() + 1);
            return Optional.of(c);
        }
        if (!problems.isEmpty()) {
            throw new DataException("none of the " + problems.size() + " checkpoints in " + dir + " is usable (" + String.join("; ", problems)
                    + "); nothing was changed. Delete them, or train into a new output directory, to start afresh");
        }
        return Optional.empty();
    }
}
