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
        return new StepMetrics(step + 1, plan.totalSteps(), plan.epochOf(step), sum.examples(), sum.lossSum() / sum.examples(),
                r.learningRate(), r.gradientNorm(), r.clipScale(),
                r.trustRatios()[min], r.layout().name(min), r.medianTrustRatio(), r.trustRatios()[max], r.layout().name(max),
                sum.examples() / ((updated - start) * 1e-9), stepMillis,
                (broadcastDone - start) * ms + load, compute, Math.max(0, job - load - compute), (updated - reduced) * ms,
                false, null, null, null);
    }

    /** A step whose gradient was not finite: nothing was applied. */
    public static StepMetrics skipped(BatchPlan plan, long step, double learningRate, GradientPart sum, long start, long broadcastDone,
                               long reduced, long updated) {
        double ms = 1e-6;
        double load = sum.loadNanos() * ms;
        double compute = sum.computeNanos() * ms;
        double job = (reduced - broadcastDone) * ms;
        return new StepMetrics(step + 1, plan.totalSteps(), plan.epochOf(step), sum.examples(), sum.lossSum() / sum.examples(),
                learningRate, Double.NaN, Double.NaN, Double.NaN, null, Double.NaN, Double.NaN, null,
                sum.examples() / ((updated - start) * 1e-9), (updated - start) * ms,
                (broadcastDone - start) * ms + load, compute, Math.max(0, job - load - compute), (updated - reduced) * ms,
                true, null, null, null);
    }
}
