package dev.sparklamb.spark.update;

import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.TensorLayout;

/**
 * The parameters and optimizer state of a run between steps, wherever they live: on the driver ({@code tree}
 * all-reduce) or in shards on the executors ({@code sharded}, where reading them collects them to the driver).
 */
public interface ModelState {

    /** A copy of the current parameters (flat, in the layout's order). */
    float[] parameters();

    /** The optimizer state (moments and step count); a copy or a live object the caller must not change. */
    OptimizerState state();

    /** The rate the schedule gives for the next step. */
    double learningRate();

    TensorLayout layout();
}
