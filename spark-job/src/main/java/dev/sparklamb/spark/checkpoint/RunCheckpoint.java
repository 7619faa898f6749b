package dev.sparklamb.spark.checkpoint;

import dev.sparklamb.optim.OptimizerState;

/**
 * Everything a run needs to continue exactly where it was: the next global step (which, with the seed, fixes the
 * data order position), the parameters, the full optimizer state (moments and its own step count, which differs
 * from the global step when non-finite steps were skipped), the skip counters, and the fingerprint of the model and
 * configuration it belongs to. The epoch order is a pure function of seed and epoch, so there is no other RNG state.
 */
public record RunCheckpoint(long nextStep, long skippedSteps, int consecutiveBadSteps, String fingerprint, float[] parameters,
                         OptimizerState optimizerState) {
}
