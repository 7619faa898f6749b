package dev.sparklamb.optim;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.OptionalDouble;

/**
 * What a driver needs from a config, whatever the optimizer: its name (stored in the state), the learning-rate
 * schedule, global-norm clipping, the update rule and the per-tensor options.
 */
record OptimizerSpec(String name, LearningRateSchedule schedule, OptionalDouble maxGradientNorm, UpdateRule rule,
                     TensorFacts.Recipe perTensor) {
}
