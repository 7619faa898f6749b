package dev.sparklamb.optim.schedule;

import java.util.Objects;

/**
 * The LAMB paper's "mixed batch" training (You et al., ICLR 2020, Sec. 4.1): stage 1 runs {@code firstStageSteps}
 * steps with its own schedule (and batch size); stage 2 restarts its schedule from step 0, so a warmup in it ramps
 * up again from zero, as the paper found necessary.
 */
public record TwoStageSchedule(LearningRateSchedule firstStage, long firstStageSteps, LearningRateSchedule secondStage)
        implements LearningRateSchedule {

    public TwoStageSchedule {
        Objects.requireNonNull(firstStage, "firstStage");
        Objects.requireNonNull(secondStage, "secondStage");
        if (firstStageSteps < 0) {
            throw new IllegalArgumentException("firstStageSteps must be >= 0, got " + firstStageSteps);
        }
    }

    /** True when {@code step} belongs to stage 2. */
    public boolean inSecondStage(long step) {
        return step >= firstStageSteps;
    }

    @Override
    public double rate(long step) {
        Rates.requireStep(step);
        return step < firstStageSteps ? firstStage.rate(step) : secondStage.rate(step - firstStageSteps);
    }
}
