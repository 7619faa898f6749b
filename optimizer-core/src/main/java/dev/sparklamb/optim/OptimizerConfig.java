package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;

/**
 * Validated, immutable hyperparameters of one optimizer. Every implementation keeps its defaults as public
 * constants, and the documentation is written from those constants.
 */
public sealed interface OptimizerConfig permits LambConfig, LarsConfig, AdamWConfig, AdamConfig {

    /** Short lower-case name: {@code lamb}, {@code lars}, {@code adamw}, {@code adam}. Stored in checkpoints. */
    String name();

    LearningRateSchedule learningRate();

    /** The same hyperparameters with another learning-rate schedule. */
    OptimizerConfig withLearningRate(LearningRateSchedule schedule);

    /** A new optimizer that applies these hyperparameters. */
    Optimizer create();
}
