package dev.sparklamb.spark.train;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import dev.sparklamb.spark.config.LearningRateSettings;
import java.io.Serializable;
import java.util.List;

/**
 * The learning rate of a staged run: stage {@code i} covers the run's steps {@code [offset_i, offset_i + steps_i)} and
 * uses its own warmup and decay ({@link LearningRateSettings#schedule}) over its own steps, peak scaled for its global
 * batch, evaluated at the stage's step {@code step - offset_i}: every stage starts a new warmup (the LAMB paper's
 * re-warmed second stage) while the optimizer's moments and step count carry on.
 */
final class StagedSchedule implements LearningRateSchedule, Serializable {

    private static final long serialVersionUID = 1L;

    /** One stage: its settings, first run step, steps and global batch. */
    record Piece(LearningRateSettings settings, long offset, long steps, long globalBatch) implements Serializable {
    }

    private final List<Piece> pieces;

    StagedSchedule(List<Piece> pieces) {
        this.pieces = List.copyOf(pieces);
    }

    @Override
    public double rate(long step) {
        Piece p = pieces.get(0);
        for (Piece q : pieces) {
            if (step >= q.offset()) {
                p = q;
            }
        }
        return p.settings().schedule(p.steps(), p.globalBatch()).rate(step - p.offset());
    }
}
