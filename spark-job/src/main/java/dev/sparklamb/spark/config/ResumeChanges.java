package dev.sparklamb.spark.config;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which keys may differ between a run and its {@code --resume}: those that do not change which updates the run makes
 * (where it runs, what it reports, how often it checkpoints, and how the summation is split up: partitions,
 * micro-batch, all-reduce mode, shards and fan-in, which at most change float rounding). Every other key (seed, model,
 * training data, global batch, epochs, max steps, optimizer) decides the sequence of updates, and the learning-rate
 * schedule is laid out over epochs and max steps; a resume that changes one of them is refused.
 */
public final class ResumeChanges {

    private static final Logger LOG = LoggerFactory.getLogger(ResumeChanges.class);

    /** The keys a resume may change (documented in docs/reliability.md). */
    public static final List<String> MAY_CHANGE = List.of(
            "spark-lamb.output",
            "spark-lamb.data.test",
            // used only by a fresh run; a resume continues from its checkpoint
            "spark-lamb.model.init-from",
            "spark-lamb.data.partitions",
            // where the examples are cached; the updates are bitwise the same
            "spark-lamb.data.cache",
            "spark-lamb.training.micro-batch",
            "spark-lamb.training.eval-every-steps",
            "spark-lamb.training.progress-every-seconds",
            "spark-lamb.training.all-reduce",
            "spark-lamb.training.shards",
            "spark-lamb.training.all-reduce-fan-in",
            "spark-lamb.training.max-consecutive-bad-steps",
            "spark-lamb.checkpoint.every-steps",
            "spark-lamb.checkpoint.keep",
            "spark-lamb.checkpoint.dir",
            "spark-lamb.spark.master",
            "spark-lamb.spark.app-name",
            "spark-lamb.device.type",
            "spark-lamb.device.cpu-fallback",
            "spark-lamb.device.gpu-resource",
            "spark-lamb.lease.timeout-seconds",
            // where and how the run is reported; a resume continues the same MLflow run
            "spark-lamb.tracking.mlflow.enabled",
            "spark-lamb.tracking.mlflow.tracking-uri",
            "spark-lamb.tracking.mlflow.experiment",
            "spark-lamb.tracking.mlflow.queue-capacity",
            "spark-lamb.tracking.mlflow.flush-timeout-seconds");

    private ResumeChanges() {
    }

    /**
     * Refuses the resume when a key outside {@link #MAY_CHANGE} differs, listing every differing key; logs the
     * allowed changes.
     *
     * @param checkpoint the checkpoint (or directory) being resumed, for the message
     * @param recordedIn where {@code recorded} was read, for the message
     */
    public static void requireAllowed(ResolvedConfiguration recorded, ResolvedConfiguration current, String checkpoint, String recordedIn) {
        List<String> refused = new ArrayList<>();
        List<String> allowed = new ArrayList<>();
        for (String d : recorded.differences(current)) {
            String key = d.substring(0, d.indexOf(": "));
            (MAY_CHANGE.contains(key) ? allowed : refused).add(d);
        }
        if (!refused.isEmpty()) {
            throw new ConfigurationException("checkpoint " + checkpoint + " was written for another model or configuration: "
                    + refused.size() + " key(s) differ from the configuration recorded in " + recordedIn + " (recorded -> now): "
                    + String.join("; ", refused) + (allowed.isEmpty() ? "" : "; and, allowed: " + String.join("; ", allowed))
                    + ". Only these keys may change on resume: " + MAY_CHANGE + ". Resume with the recorded values, or train "
                    + "into a new output directory (nothing was changed)");
        }
        if (!allowed.isEmpty()) {
            LOG.info("resuming with changed settings (recorded -> now): {}", String.join("; ", allowed));
        }
    }
}
