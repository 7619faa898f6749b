package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token-sequence data for masked-language-model training ({@code spark-lamb.data.tokens}, used with
 * {@code data.format = tokens}): the sequence length of the data, the special token ids of its vocabulary (as
 * {@code import-text}'s {@code text-import.json} lists them) and the fraction of tokens BERT's masking chooses. The
 * vocabulary size is {@code spark-lamb.model.classes} (the masked-language-model head classifies each chosen position
 * into one of the vocabulary's tokens).
 *
 * @param sequenceLength token ids per sequence (L); 0 only when the data is not tokens
 * @param maskFraction   the fraction of each sequence's real, non-special tokens chosen for prediction
 */
public record TokenSettings(int sequenceLength, int padId, int unkId, int clsId, int sepId, int maskId, double maskFraction)
        implements Serializable {

    private static final String KEY = "data.tokens.";

    /** The defaults file's values: a corpus-built vocabulary ([PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4), no length. */
    public static final TokenSettings DEFAULT = new TokenSettings(0, 0, 1, 2, 3, 4, 0.15);

    public TokenSettings {
        Checks.atLeast(KEY + "sequence-length", sequenceLength, 0);
        Map<Integer, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : specialIds(padId, unkId, clsId, sepId, maskId).entrySet()) {
            Checks.atLeast(KEY + e.getKey(), e.getValue(), 0);
            String other = seen.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                throw new ConfigurationException(Checks.ROOT + KEY + e.getKey() + " and " + Checks.ROOT + KEY + other + " are both "
                        + e.getValue() + "; the special tokens must have distinct ids");
            }
        }
        Checks.inRange(KEY + "mask-fraction", maskFraction, 0, 1, true);
        if (maskFraction == 0) {
            throw new ConfigurationException(Checks.ROOT + KEY + "mask-fraction must be > 0 (no token would ever be predicted), got 0.0");
        }
    }

    private static Map<String, Integer> specialIds(int pad, int unk, int cls, int sep, int mask) {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("pad-id", pad);
        m.put("unk-id", unk);
        m.put("cls-id", cls);
        m.put("sep-id", sep);
        m.put("mask-id", mask);
        return m;
    }

    /** The special ids, sorted. */
    public int[] specials() {
        return java.util.stream.IntStream.of(padId, unkId, clsId, sepId, maskId).sorted().toArray();
    }

    /** Refuses special ids outside a vocabulary of {@code vocabulary} tokens (naming the key). */
    public void requireWithin(int vocabulary) {
        for (Map.Entry<String, Integer> e : specialIds(padId, unkId, clsId, sepId, maskId).entrySet()) {
            if (e.getValue() >= vocabulary) {
                throw new ConfigurationException(Checks.ROOT + KEY + e.getKey() + " is " + e.getValue() + ", outside the vocabulary of "
                        + vocabulary + " tokens (spark-lamb.model.classes)");
            }
        }
        if (vocabulary <= 5) {
            throw new ConfigurationException("spark-lamb.model.classes is " + vocabulary + ": a vocabulary needs tokens other than the 5 "
                    + "special ones (spark-lamb.data.tokens.*-id)");
        }
    }

    public TokenSettings withSequenceLength(int length) {
        return new TokenSettings(length, padId, unkId, clsId, sepId, maskId, maskFraction);
    }
}
