package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.Objects;

/**
 * One stage after the first of a staged run ({@code spark-lamb.training.next-stages[i]}): the LAMB paper's two-stage
 * pretraining runs most steps on short sequences with a large batch, then continues on longer sequences with its own
 * batch and a re-warmed learning rate. Parameters and optimizer state carry over from the stage before; the learning
 * rate starts the stage's own warmup and decay ({@code learningRate} over {@code steps}, peak scaled for
 * {@code globalBatch}).
 *
 * @param train          the stage's training data (any Hadoop URI)
 * @param test           its held-out data, or "" for none
 * @param sequenceLength token data: its sequence length (L of the stage's seq-L data); 0 for other data
 * @param steps          the stage runs exactly this many steps
 */
public record StageSettings(String train, String test, int sequenceLength, int globalBatch, int microBatch, long steps,
                            LearningRateSettings learningRate) implements Serializable {

    public StageSettings {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(learningRate, "learning-rate");
    }

    /** Checks the values, naming {@code key} (e.g. {@code spark-lamb.training.next-stages[0]}) in messages. */
    void check(String key, boolean tokens) {
        if (train.isBlank()) {
            throw new ConfigurationException(key + ".train must be set: the stage's training data");
        }
        if (tokens && sequenceLength < 1) {
            throw new ConfigurationException(key + ".sequence-length must be set (>= 1) with spark-lamb.data.format = tokens: the "
                    + "token ids per sequence of the stage's data");
        }
        if (!tokens && sequenceLength != 0) {
            throw new ConfigurationException(key + ".sequence-length is " + sequenceLength + " but spark-lamb.data.format is not "
                    + "tokens; remove it");
        }
        if (globalBatch < 1) {
            throw new ConfigurationException(key + ".global-batch must be >= 1, got " + globalBatch);
        }
        if (microBatch < 1 || microBatch > globalBatch) {
            throw new ConfigurationException(key + ".micro-batch must be in [1, global-batch = " + globalBatch + "], got " + microBatch);
        }
        if (steps < 1) {
            throw new ConfigurationException(key + ".steps must be >= 1, got " + steps);
        }
    }
}
