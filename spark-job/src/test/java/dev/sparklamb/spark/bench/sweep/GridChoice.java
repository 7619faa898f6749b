package dev.sparklamb.spark.bench.sweep;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The only tuning of the sweep: for a data set, model and optimizer, the batch-512 grid point of our trainer with
 * the best final test accuracy gives the base learning rate of every larger batch (square-root scaled by the trainer).
 * Ties go to the smaller rate.
 *
 * <p>The grid brackets its choice: while the best rate is the largest (smallest) one run, the grid grows by a factor
 * 2 beyond that end, at most {@link #MAX_EXTENSIONS} times per end; only then is the choice made. A rate whose run
 * failed counts as run (so a diverging rate ends the growth).
 */
public final class GridChoice {

    /** Rates added beyond each end of {@link SweepPlan#GRID}, at most. */
    public static final int MAX_EXTENSIONS = 2;

    private GridChoice() {
    }

    /** Every batch-512 run (any status) of {@code run}'s data set, model, optimizer and epochs, recipe unchanged. */
    private static List<RunResult> gridRuns(Collection<RunResult> results, SweepRun run) {
        return results.stream()
                .filter(r -> r.run().trainer().equals(SweepRun.SPARK_LAMB) && r.run().variant().isEmpty()
                        && r.run().globalBatch() == SweepPlan.BASE_BATCH && r.run().epochs() == run.epochs()
                        && r.run().dataset().equals(run.dataset()) && r.run().model().equals(run.model())
                        && r.run().optimizer().equals(run.optimizer()))
                .toList();
    }

    public static Optional<RunResult> best(Collection<RunResult> results, SweepRun large) {
        return gridRuns(results, large).stream()
                .filter(RunResult::succeeded)
                .max(Comparator.comparingDouble(RunResult::finalAccuracy)
                        .thenComparing(Comparator.comparingDouble((RunResult r) -> r.run().baseLearningRate()).reversed()));
    }

    /**
     * The batch-512 run to make before {@code run}'s rate can be chosen, because the best rate so far sits at an end
     * of the rates run; empty when the grid is incomplete (its fixed points come first), brackets its best, or may
     * grow no more.
     */
    public static Optional<SweepRun> extension(Collection<RunResult> results, SweepRun run) {
        if (!run.learningRateFromGrid() || !gridComplete(results, run)) {
            return Optional.empty();
        }
        Optional<RunResult> best = best(results, run);
        if (best.isEmpty()) {
            return Optional.empty();
        }
        List<Double> grid = SweepPlan.GRID.get(run.optimizer());
        double gridMax = grid.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double gridMin = grid.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        List<Double> tried = gridRuns(results, run).stream().map(r -> r.run().baseLearningRate()).toList();
        double max = tried.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double min = tried.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double lr = best.get().run().baseLearningRate();
        if (lr == max && tried.stream().filter(t -> t > gridMax).count() < MAX_EXTENSIONS) {
            return Optional.of(SweepRun.ours(run.dataset(), run.model(), run.optimizer(), SweepPlan.BASE_BATCH, max * 2, run.epochs()));
        }
        if (lr == min && tried.stream().filter(t -> t < gridMin).count() < MAX_EXTENSIONS) {
            return Optional.of(SweepRun.ours(run.dataset(), run.model(), run.optimizer(), SweepPlan.BASE_BATCH, min / 2, run.epochs()));
        }
        return Optional.empty();
    }

    private static boolean gridComplete(Collection<RunResult> results, SweepRun run) {
        List<Double> tried = gridRuns(results, run).stream().map(r -> r.run().baseLearningRate()).toList();
        return tried.containsAll(SweepPlan.GRID.get(run.optimizer()));
    }

    /**
     * The run with its learning rate resolved, or empty while its grid is incomplete (some grid point has no result),
     * still growing ({@link #extension}), or has no successful run.
     */
    public static Optional<SweepRun> resolve(Collection<RunResult> results, SweepRun run) {
        if (!run.learningRateFromGrid()) {
            return Optional.of(run);
        }
        if (!gridComplete(results, run) || extension(results, run).isPresent()) {
            return Optional.empty();
        }
        return best(results, run).map(r -> run.withLearningRate(r.run().baseLearningRate()));
    }
}
