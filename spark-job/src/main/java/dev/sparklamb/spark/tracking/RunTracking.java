package dev.sparklamb.spark.tracking;

import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * What a training run reports to an experiment tracker: nothing when tracking is off ({@link #NONE}), MLflow
 * ({@link MlflowTracker}) when {@code spark-lamb.tracking.mlflow} says so. No method throws or blocks the training
 * (except {@link #close()}, which waits at most {@code flush-timeout-seconds}).
 */
public interface RunTracking extends AutoCloseable {

    /** Tracking off. */
    RunTracking NONE = new RunTracking() {
    };

    /**
     * Checks the tracking configuration against the environment without contacting anything.
     *
     * @throws dev.sparklamb.spark.config.ConfigurationException naming the key or variable that is wrong
     */
    static void requireValid(RunConfig config, Map<String, String> env) {
        MlflowTarget.resolve(config.tracking().mlflow(), env);
    }

    /**
     * Starts tracking a run (in the background: this returns at once).
     *
     * @param resume         continue the MLflow run recorded in {@code checkpointDir} if there is one
     * @param checkpointDir  where the MLflow run's id is kept
     * @param outputUri      the run's output directory (model.zip, summary.json)
     */
    static RunTracking start(RunConfig config, ResolvedConfiguration resolved, boolean resume, String checkpointDir, String outputUri,
                             Configuration hadoop, Map<String, String> env) {
        Optional<MlflowTarget> target = MlflowTarget.resolve(config.tracking().mlflow(), env);
        if (target.isEmpty()) {
            return NONE;
        }
        return MlflowTracker.start(target.get(), config.tracking().mlflow(), resolved, resume, checkpointDir, outputUri, hadoop);
    }

    /** After every step (queued; never blocks). */
    default void stepDone(StepMetrics metrics) {
    }

    /** The run ended normally and wrote {@code summary} (empty: it was already complete): log it, upload the artifacts. */
    default void completed(Map<String, Object> summary) {
    }

    /** The run failed with {@code error} (KILLED when it was interrupted, FAILED otherwise). */
    default void failed(Throwable error) {
    }

    /** Sends what is queued and the run's end status, waiting at most the flush timeout. */
    @Override
    default void close() {
    }
}
