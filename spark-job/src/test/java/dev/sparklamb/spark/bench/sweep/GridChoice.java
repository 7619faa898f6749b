package dev.sparklamb.spark.bench.sweep;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * The only tuning of the sweep: for a data set, model and optimizer, the batch-512 grid point of our trainer with
 * the best final test accuracy gives the base learning rate of every larger batch (square-root scaled by the trainer).
 * Ties go to the smaller rate.
 */
public final class GridChoice {

    private GridChoice() {
    }

    public static Optional<RunResult> best(Collection<RunResult> results, SweepRun large) {
        return results.stream()
                .filter(RunResult::succeeded)
                .filter(r -> r.run().trainer().equals(SweepRun.SPARK_LAMB) && r.run().variant().isEmpty()
                        && r.run().globalBatch() == SweepPlan.BASE_BATCH && r.run().epochs() == large.epochs()
                        && r.run().dataset().equals(large.dataset()) && r.run().model().equals(large.model())
                        && r.run().optimizer().equals(large.optimizer())
                        && SweepPlan.GRID.get(large.optimizer()).contains(r.run().baseLearningRate()))
                .max(Comparator.comparingDouble(RunResult::finalAccuracy)
                        .thenComparing(Comparator.comparingDouble((RunResult r) -> r.run().baseLearningRate()).reversed()));
    }

    /** The run with its learning rate resolved, or empty while its grid is incomplete (some grid point has no result). */
    public static Optional<SweepRun> resolve(Collection<RunResult> results, SweepRun run) {
        if (!run.learningRateFromGrid()) {
            return Optional.of(run);
        }
        long done = results.stream().filter(r -> r.run().trainer().equals(SweepRun.SPARK_LAMB) && r.run().variant().isEmpty()
                && r.run().globalBatch() == SweepPlan.BASE_BATCH && r.run().epochs() == run.epochs()
                && r.run().dataset().equals(run.dataset()) && r.run().model().equals(run.model())
                && r.run().optimizer().equals(run.optimizer())).count();
        if (done < SweepPlan.GRID.get(run.optimizer()).size()) {
            return Optional.empty();
        }
        return best(results, run).map(r -> run.withLearningRate(r.run().baseLearningRate()));
    }
}
