package dev.sparklamb.spark.allreduce;

import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.spark.gradient.GradientPart;

/**
 * What one step of a {@link StepEngine} did: the summed loss, examples and slowest task timings (in {@code sum}, whose
 * gradient may be empty), the optimizer's report or the reason the step was skipped, the driver-side timestamps and
 * the step's communication as Spark measured it (null when not measured).
 */
public record StepOutcome(GradientPart sum, StepResult result, InvalidGradientException skipped, double learningRate, long start,
                   long distributed, long reduced, long updated, Communication communication) {

    public boolean wasSkipped() {
        return skipped != null;
    }
}
