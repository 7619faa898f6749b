package dev.sparklamb.spark.checkpoint;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.ResumeChanges;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a run starts: afresh (refused over another run's checkpoints) or, on resume, from its newest valid checkpoint. */
public final class Resumption {

    private static final Logger LOG = LoggerFactory.getLogger(Resumption.class);

    private Resumption() {
    }

    /** Without {@code resume}, refuses a checkpoint directory that already holds checkpoints (of another run). */
    public static void requireNoOtherRun(CheckpointStore checkpoints, boolean resume) {
        if (!resume && !checkpoints.list().isEmpty()) {
            throw new ConfigurationException("spark-lamb.checkpoint.dir: '" + checkpoints.directory() + "' already holds checkpoints of "
                    + "another run; pass --resume to continue that run, or choose an empty directory (nothing was changed)");
        }
    }

    /**
     * With {@code resume}: refuses changed configuration keys ({@link #requireAllowedChanges}), then the newest valid
     * checkpoint of {@code fingerprint}, if any. Without: nothing (a fresh start).
     */
    public static Optional<RunCheckpoint> restore(CheckpointStore checkpoints, boolean resume, ResolvedConfiguration current,
                                                  String fingerprint) {
        if (!resume) {
            return Optional.empty();
        }
        requireAllowedChanges(checkpoints, current);
        return checkpoints.loadNewest(fingerprint);
    }

    /**
     * With checkpoints to resume from and the configuration they were written with recorded next to them: refuses
     * changed keys other than {@link ResumeChanges#MAY_CHANGE}, naming each. Without a record (checkpoints of an older
     * build, or none yet) the checkpoints' fingerprint alone decides.
     */
    private static void requireAllowedChanges(CheckpointStore checkpoints, ResolvedConfiguration current) {
        List<Path> saved = checkpoints.list();
        if (saved.isEmpty()) {
            return;
        }
        Optional<String> text = checkpoints.loadConfiguration();
        if (text.isEmpty()) {
            return;
        }
        Optional<ResolvedConfiguration> recorded = ResolvedConfiguration.parse(text.get());
        if (recorded.isEmpty()) {
            LOG.warn("{} is not a recorded configuration; the checkpoints' fingerprint alone decides", checkpoints.configurationFile());
            return;
        }
        ResumeChanges.requireAllowed(recorded.get(), current, saved.get(saved.size() - 1).toString(), checkpoints.configurationFile());
    }
}
