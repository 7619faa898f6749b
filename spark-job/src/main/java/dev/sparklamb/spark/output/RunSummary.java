package dev.sparklamb.spark.output;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.evaluate.ClassificationReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The content of a finished run's {@link RunOutput#SUMMARY} file. */
public final class RunSummary {

    private RunSummary() {
    }

    public static Map<String, Object> of(RunConfig config, String output, CachedExamples train, BatchPlan plan, long skippedSteps,
                                         List<StepMetrics> history, double seconds) {
        return of(config, output, train, plan, skippedSteps, history, seconds, Optional.empty());
    }

    /**
     * @param testMetrics the final evaluation on the test data ({@code testMetrics} in the file: accuracy, log loss,
     *                    per-class precision/recall/F1/support and the confusion matrix), when there was test data
     */
    public static Map<String, Object> of(RunConfig config, String output, CachedExamples train, BatchPlan plan, long skippedSteps,
                                         List<StepMetrics> history, double seconds, Optional<ClassificationReport> testMetrics) {
        Map<String, Object> s = new LinkedHashMap<>();
        StepMetrics last = history.isEmpty() ? null : history.get(history.size() - 1);
        s.put("status", "succeeded");
        s.put("output", output);
        s.put("model", RunOutput.MODEL);
        s.put("metrics", RunOutput.METRICS);
        s.put("optimizer", config.optimizer().name());
        s.put("trainingExamples", train.count());
        s.put("partitions", train.partitions());
        s.put("allReduce", config.training().allReduce());
        s.put("globalBatch", plan.globalBatch());
        s.put("steps", plan.totalSteps());
        s.put("skippedSteps", skippedSteps);
        s.put("seconds", seconds);
        if (last != null) {
            s.put("finalLoss", last.loss());
            s.put("testAccuracy", last.testAccuracy());
            s.put("testLoss", last.testLoss());
            if (last.sequence() != null) {
                s.put("testPerplexity", last.testPerplexity());
                s.put("tokensPerStep", last.sequence().tokens());
                s.put("maskedTokensPerStep", last.sequence().maskedTokens());
            }
        }
        testMetrics.ifPresent(m -> s.put("testMetrics", m.toJson()));
        return s;
    }
}
