package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Sizes of the {@code bert-mini} preset ({@code spark-lamb.model.bert.*}; the vocabulary size comes from the data).
 *
 * @param hidden      features per token ({@code hidden}); a multiple of {@code heads}
 * @param layers      transformer blocks
 * @param heads       attention heads per block
 * @param feedForward inner size of each block's feed-forward part
 * @param maxLength   positions of the learned position embeddings: the longest sequence the model accepts
 * @param dropout     probability of dropping an activation (BERT's convention; DL4J's retain probability is
 *                    {@code 1 - dropout}); 0: no dropout
 */
public record BertSettings(int hidden, int layers, int heads, int feedForward, int maxLength, double dropout) implements Serializable {

    public static final String PREFIX = "spark-lamb.model.bert.";
    public static final String HIDDEN = PREFIX + "hidden";
    public static final String LAYERS = PREFIX + "layers";
    public static final String HEADS = PREFIX + "heads";
    public static final String FEED_FORWARD = PREFIX + "feed-forward";
    public static final String MAX_LENGTH = PREFIX + "max-length";
    public static final String DROPOUT = PREFIX + "dropout";

    /** The defaults of {@code conf/spark-lamb-defaults.conf}: sized to train on 2 CPU cores. */
    public static final BertSettings DEFAULT = new BertSettings(128, 2, 4, 512, 128, 0.1);

    public BertSettings {
        positive(HIDDEN, hidden);
        positive(LAYERS, layers);
        positive(HEADS, heads);
        positive(FEED_FORWARD, feedForward);
        positive(MAX_LENGTH, maxLength);
        if (hidden % heads != 0) {
            throw new ConfigurationException(HEADS + " = " + heads + " must divide " + HIDDEN + " = " + hidden
                    + " (each head gets hidden / heads features)");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new ConfigurationException(DROPOUT + " must be in [0, 1) (the probability of dropping an activation), got " + dropout);
        }
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new ConfigurationException(key + " must be >= 1, got " + value);
        }
    }

    /** Features per attention head. */
    public int headSize() {
        return hidden / heads;
    }

    /**
     * Refuses sequences of {@code length} tokens (naming {@link #MAX_LENGTH}) when they are longer than the position
     * embeddings, or empty.
     */
    public void requireLength(long length, String where) {
        if (length < 1 || length > maxLength) {
            throw new ConfigurationException(where + ": sequences of length " + length + " do not fit the bert-mini model, whose "
                    + MAX_LENGTH + " = " + maxLength + " (expected 1.." + maxLength + ")");
        }
    }
}
