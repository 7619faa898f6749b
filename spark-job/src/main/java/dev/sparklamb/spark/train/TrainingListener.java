package dev.sparklamb.spark.train;

import dev.sparklamb.spark.metrics.StepMetrics;

/** Called on the driver after every global step (metrics files, checkpoints, notebooks' own bookkeeping). */
@FunctionalInterface
public interface TrainingListener {

    void stepDone(StepMetrics metrics, TrainingProgress progress, TrainingState state);
}
