package dev.sparklamb.spark.train;

/**
 * Where a run stands: the next global step (0-based; with the seed it fixes the data position), how many steps were
 * skipped for non-finite gradients, and how many in a row just now. Restored from a checkpoint on resume.
 */
public final class TrainingProgress {

    private long nextStep;
    private long skippedSteps;
    private int consecutiveBadSteps;

    public TrainingProgress(long nextStep, long skippedSteps, int consecutiveBadSteps) {
        this.nextStep = nextStep;
        this.skippedSteps = skippedSteps;
        this.consecutiveBadSteps = consecutiveBadSteps;
    }

    public static TrainingProgress start() {
        return new TrainingProgress(0, 0, 0);
    }

    public long nextStep() {
        return nextStep;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public int consecutiveBadSteps() {
        return consecutiveBadSteps;
    }

    void applied() {
        nextStep++;
        consecutiveBadSteps = 0;
    }

    void skipped() {
        nextStep++;
        skippedSteps++;
        consecutiveBadSteps++;
    }
}
