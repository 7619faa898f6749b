package dev.sparklamb.spark.bench.sweep;

import java.util.List;

/**
 * What one sweep run produced; one JSON file per run. Throughput and time-to-target count training time only
 * (evaluations excluded); {@code wallSeconds} is the whole run including data caching and evaluations.
 *
 * @param secondsToTarget training seconds until the first evaluation at or above {@code targetAccuracy}; null if never
 */
public record RunResult(String id, SweepRun run, String status, String error, double peakLearningRate, long steps,
                        long trainingExamples, double finalAccuracy, double bestAccuracy, double trainSeconds, double wallSeconds,
                        double examplesPerSecond, double targetAccuracy, Double secondsToTarget, List<CurvePoint> curve,
                        String settings, String gitCommit, String startedAt, String host) {

    public boolean succeeded() {
        return "succeeded".equals(status);
    }
}
