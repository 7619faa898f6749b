package dev.sparklamb.spark.bench.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep's pure logic: time to target, the grid choice that feeds the large batches, run ids, result files. */
class SweepLogicTest {

    private static CurvePoint point(double seconds, double accuracy) {
        return new CurvePoint(seconds, (long) seconds, seconds, 0.5, accuracy, 0.4);
    }

    private static RunResult result(SweepRun run, double finalAccuracy) {
        List<CurvePoint> curve = List.of(point(1, finalAccuracy - 0.01), point(2, finalAccuracy));
        return new RunResult(run.id(), run, "succeeded", null, run.baseLearningRate(), 2, 100, finalAccuracy, finalAccuracy,
                2, 3, 50, 0.88, Curves.secondsToTarget(curve, 0.88), curve, "", "abc", "now", "host");
    }

    @Test
    void timeToTargetIsTheFirstEvaluationAtOrAboveTheTarget() {
        List<CurvePoint> curve = List.of(point(10, 0.80), point(20, 0.88), point(30, 0.87), point(40, 0.90));
        assertThat(Curves.secondsToTarget(curve, 0.88)).isEqualTo(20.0);
        assertThat(Curves.secondsToTarget(curve, 0.95)).isNull();
        assertThat(Curves.bestAccuracy(curve)).isEqualTo(0.90);
        assertThat(Curves.finalAccuracy(curve)).isEqualTo(0.90);
        assertThat(Curves.finalAccuracy(List.of())).isNaN();
    }

    @Test
    void largeBatchesWaitForTheWholeGridThenTakeItsBestFinalAccuracy() {
        SweepRun large = SweepRun.ours("fashion", "mlp", "lamb", 16384, Double.NaN, SweepPlan.EPOCHS);
        List<Double> grid = SweepPlan.GRID.get("lamb");
        RunResult low = result(SweepRun.ours("fashion", "mlp", "lamb", 512, grid.get(0), SweepPlan.EPOCHS), 0.880);
        RunResult mid = result(SweepRun.ours("fashion", "mlp", "lamb", 512, grid.get(1), SweepPlan.EPOCHS), 0.895);
        RunResult high = result(SweepRun.ours("fashion", "mlp", "lamb", 512, grid.get(2), SweepPlan.EPOCHS), 0.890);
        RunResult otherOptimizer = result(SweepRun.ours("fashion", "mlp", "adamw", 512, 0.001, SweepPlan.EPOCHS), 0.99);
        RunResult otherData = result(SweepRun.ours("mnist", "mlp", "lamb", 512, grid.get(2), SweepPlan.EPOCHS), 0.99);

        assertThat(GridChoice.resolve(List.of(low, mid, otherOptimizer, otherData), large)).isEmpty();
        assertThat(GridChoice.resolve(List.of(low, mid, high, otherOptimizer, otherData), large))
                .hasValueSatisfying(r -> assertThat(r.baseLearningRate()).isEqualTo(grid.get(1)));
    }

    @Test
    void gridTiesGoToTheSmallerRate() {
        SweepRun large = SweepRun.ours("fashion", "mlp", "adamw", 2048, Double.NaN, SweepPlan.EPOCHS);
        List<Double> grid = SweepPlan.GRID.get("adamw");
        List<RunResult> results = List.of(
                result(SweepRun.ours("fashion", "mlp", "adamw", 512, grid.get(2), SweepPlan.EPOCHS), 0.89),
                result(SweepRun.ours("fashion", "mlp", "adamw", 512, grid.get(1), SweepPlan.EPOCHS), 0.89),
                result(SweepRun.ours("fashion", "mlp", "adamw", 512, grid.get(0), SweepPlan.EPOCHS), 0.85));
        assertThat(GridChoice.resolve(results, large).orElseThrow().baseLearningRate()).isEqualTo(grid.get(1));
    }

    private static RunResult failed(SweepRun run) {
        return new RunResult(run.id(), run, "failed", "boom", Double.NaN, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 0.88, null, List.of(), "", "abc", "now", "host");
    }

    private static RunResult lamb512(double lr, double accuracy) {
        return result(SweepRun.ours("fashion", "mlp", "lamb", 512, lr, SweepPlan.EPOCHS), accuracy);
    }

    @Test
    void aGridWhoseBestIsItsLargestRateGrowsByDoublingUntilBracketed() {
        SweepRun large = SweepRun.ours("fashion", "mlp", "lamb", 16384, Double.NaN, SweepPlan.EPOCHS);
        List<Double> grid = SweepPlan.GRID.get("lamb");
        double top = grid.get(grid.size() - 1);
        List<RunResult> results = new java.util.ArrayList<>(List.of(lamb512(grid.get(0), 0.85), lamb512(grid.get(1), 0.87),
                lamb512(top, 0.89)));
        assertThat(GridChoice.extension(results, large)).hasValueSatisfying(r -> {
            assertThat(r.baseLearningRate()).isEqualTo(2 * top);
            assertThat(r.globalBatch()).isEqualTo(512);
            assertThat(r.optimizer()).isEqualTo("lamb");
        });
        assertThat(GridChoice.resolve(results, large)).as("no choice while the grid grows").isEmpty();

        results.add(lamb512(2 * top, 0.88));
        assertThat(GridChoice.extension(results, large)).isEmpty();
        assertThat(GridChoice.resolve(results, large).orElseThrow().baseLearningRate()).isEqualTo(top);
    }

    @Test
    void aGridGrowsAtMostTwiceBeyondAnEnd() {
        SweepRun large = SweepRun.ours("fashion", "mlp", "lamb", 8192, Double.NaN, SweepPlan.EPOCHS);
        List<Double> grid = SweepPlan.GRID.get("lamb");
        double top = grid.get(grid.size() - 1);
        List<RunResult> results = List.of(lamb512(grid.get(0), 0.80), lamb512(grid.get(1), 0.81), lamb512(top, 0.82),
                lamb512(2 * top, 0.83), lamb512(4 * top, 0.84));
        assertThat(GridChoice.extension(results, large)).isEmpty();
        assertThat(GridChoice.resolve(results, large).orElseThrow().baseLearningRate()).isEqualTo(4 * top);
    }

    @Test
    void aGridWhoseBestIsItsSmallestRateGrowsDownwardAndAFailedRunEndsTheGrowth() {
        SweepRun large = SweepRun.ours("fashion", "mlp", "lamb", 2048, Double.NaN, SweepPlan.EPOCHS);
        List<Double> grid = SweepPlan.GRID.get("lamb");
        double bottom = grid.get(0);
        List<RunResult> results = new java.util.ArrayList<>(List.of(lamb512(bottom, 0.89), lamb512(grid.get(1), 0.87),
                lamb512(grid.get(2), 0.86)));
        assertThat(GridChoice.extension(results, large).orElseThrow().baseLearningRate()).isEqualTo(bottom / 2);
        results.add(failed(SweepRun.ours("fashion", "mlp", "lamb", 512, bottom / 2, SweepPlan.EPOCHS)));
        assertThat(GridChoice.extension(results, large)).isEmpty();
        assertThat(GridChoice.resolve(results, large).orElseThrow().baseLearningRate()).isEqualTo(bottom);
    }

    @Test
    void runIdsNameEveryDimensionAndNeedAResolvedRate() {
        assertThat(SweepRun.ours("fashion", "mlp", "lamb", 16384, 0.005, 15).id()).isEqualTo("fashion-mlp-spark-lamb-lamb-b16384-lr0.005-e15");
        assertThat(SweepRun.ours("mnist", "mlp", "adamw", 512, 0.0005, 15).withVariant("warmup30", List.of()).id())
                .isEqualTo("mnist-mlp-spark-lamb-adamw-b512-lr0.0005-e15-warmup30");
        assertThatThrownBy(() -> SweepRun.ours("fashion", "mlp", "lamb", 16384, Double.NaN, 15).id())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void planIdsAreUniqueOnceResolved() {
        List<String> ids = SweepPlan.subset("all").stream().map(r -> r.learningRateFromGrid() ? r.withLearningRate(1).id() : r.id()).toList();
        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void resultFilesRoundTrip(@TempDir Path dir) {
        ResultStore store = new ResultStore(dir);
        SweepRun run = SweepRun.ours("fashion", "mlp", "lamb", 512, 0.005, 15);
        RunResult r = result(run, 0.9);
        assertThat(store.has(run)).isFalse();
        store.write(r);
        assertThat(store.has(run)).isTrue();
        assertThat(store.readAll()).containsExactly(r);
    }
}
