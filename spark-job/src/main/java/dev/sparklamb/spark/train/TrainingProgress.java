package dev.sparklamb.spark.train;

/**
 * Where a run stands: the next global step (0-based; with the seed it fixes the data position), how many steps were
 * skipped for non-finite gradients, and how many in a row just now. Restored from a checkpoint on resume. A value:
 * the loop derives the next one from it after every step.
 */
public record TrainingProgress(long nextStep, long skippedSteps, int consecutiveBadSteps) {

    public static TrainingProgress start() {
        return new TrainingProgress(0, 0, 0);
    }

    /** After a step whose update was applied. */
    public TrainingProgress applied() {
        return new TrainingProgress(nextStep + 1, skippedSteps, 0);
    }

    /** After a step skipped for a non-finite gradient. */
    public TrainingProgress skipped() {
        return new TrainingProgress(nextStep + 1, skippedSteps + 1, consecutiveBadSteps + 1);
    }
}
