package dev.sparklamb.spark.train;

import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.List;
import java.util.Optional;

/**
 * What {@link TrainingLoop#runSteps} did.
 *
 * @param history        the metrics of the steps it ran, in order (empty when there were none left)
 * @param progress       where the run stands afterwards
 * @param lastEvaluation the most recent evaluation on the test data during these steps, if any
 */
public record TrainingRun(List<StepMetrics> history, TrainingProgress progress, Optional<EvaluationScore> lastEvaluation) {
}
