package dev.sparklamb.spark.train;

import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.update.ModelState;


/** Called on the driver after every global step (metrics files, checkpoints, notebooks' own bookkeeping). */
@FunctionalInterface
public interface StepListener {

    void stepDone(StepMetrics metrics, TrainingProgress progress, ModelState state);
}
