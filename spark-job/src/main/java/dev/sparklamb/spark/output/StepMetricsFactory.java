package dev.sparklamb.spark.output;

import dev.sparklamb.optim.StepResult;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.gradient.GradientPart;

/** Builds a step's {@link StepMetrics} from the optimizer's report and the measured times. */
public final class StepMetricsFactory {

    private StepMetricsFactory() {
    }

    public static StepMetrics of(StepResult r, BatchPlan plan, long step, GradientPart sum, long start, long broadcastDone, long reduced,
                          long updated) {
        double ms = 1e-6;
        double stepMillis = (updated - start) * ms;
        double load = sum.loadNanos() * ms;
        double compute = sum.computeNanos() * ms;
        double job = (reduced - broadcastDone) * ms;
        int min = r.minTrustRatioTensor();
        int max = r.maxTrustRatioTensor();
        return withTokens(new StepMetrics(step + 1, plan.totalSteps(), plan.epochOf(step), sum.examples(), meanLoss(sum),
                r.learningRate(), r.gradientNorm(), r.clipScale(),
                r.trustRatios()[min], r.layout().name(min), r.medianTrustRatio(), r.trustRatios()[max], r.layout().name(max),
                sum.examples() / ((updated - start) * 1e-9), stepMillis,
                (broadcastDone - start) * ms + load, compute, Math.max(0, job - load - compute), (updated - reduced) * ms,
                false, null, null, null), sum, start, updated);
    }

    /** A step whose gradient was not finite: nothing was applied. */
    public static StepMetrics skipped(BatchPlan plan, long step, double learningRate, GradientPart sum, long start, long broadcastDone,
                               long reduced, long updated) {
        double ms = 1e-6;
        double load = sum.loadNanos() * ms;
        double compute = sum.computeNanos() * ms;
        double job = (reduced - broadcastDone) * ms;
        return withTokens(new StepMetrics(step + 1, plan.totalSteps(), plan.epochOf(step), sum.examples(), meanLoss(sum),
                learningRate, Double.NaN, Double.NaN, Double.NaN, null, Double.NaN, Double.NaN, null,
                sum.examples() / ((updated - start) * 1e-9), (updated - start) * ms,
                (broadcastDone - start) * ms + load, compute, Math.max(0, job - load - compute), (updated - reduced) * ms,
                true, null, null, null), sum, start, updated);
    }

    /** The loss per loss term: per example, or per masked token (sequence data); NaN when there was none. */
    private static double meanLoss(GradientPart sum) {
        return sum.lossCount() == 0 ? Double.NaN : sum.lossSum() / sum.lossCount();
    }

    /** Sequence data (real tokens counted): with the step's token counts. */
    private static StepMetrics withTokens(StepMetrics m, GradientPart sum, long start, long updated) {
        if (sum.tokens() == 0) {
            return m;
        }
        return m.withSequence(new StepMetrics.SequenceCounts(sum.tokens(), sum.lossCount(), sum.tokens() / ((updated - start) * 1e-9)));
    }
}
