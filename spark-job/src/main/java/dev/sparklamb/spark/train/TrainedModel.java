package dev.sparklamb.spark.train;

import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Model;

/**
 * What a training run produced.
 *
 * @param model           the trained DL4J network ({@code MultiLayerNetwork} or {@code ComputationGraph})
 * @param parameters      its flat parameter vector
 * @param history         per-step metrics, in order
 * @param finalEvaluation on the test data, when there was any
 */
public record TrainedModel(Model model, float[] parameters, OptimizerState optimizerState, List<StepMetrics> history,
                             Optional<EvaluationScore> finalEvaluation) {
}
