package dev.sparklamb.spark.gradient;

import dev.sparklamb.spark.data.ExampleBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One micro-batch of masked token sequences in DL4J's layout: features {@code [mb, L]} (the masked token ids, as
 * floats), feature mask {@code [mb, L]} (1 before each sequence's length), one-hot labels {@code [mb, V, L]} (the
 * original id at each chosen position, zeros elsewhere) and label mask {@code [mb, L]} (1 at the chosen positions).
 *
 * @param maskedTokens the number of chosen positions (the loss's token count)
 * @param realTokens   the number of real (not padding) tokens
 */
public record SequenceBatch(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask, long maskedTokens,
                            long realTokens) {

    /**
     * Rows {@code rows[from .. from + count)} of a labelled sequence block ({@link ExampleBlock#ofSequences}, DL4J's
     * drop-in): features {@code [count, size, L]}, the stored features mask, one-hot labels {@code [count, classes, L]} at
     * the steps that count and the labels mask (1 there). {@code maskedTokens} is the number of steps that count (the loss's
     * divisor), {@code realTokens} the number of steps whose features mask is 1.
     */
    public static SequenceBatch labeled(ExampleBlock block, int[] rows, int from, int count, int classes) {
        int length = block.sequenceLength();
        int size = block.featureCount() / length;
        float[] x = new float[count * block.featureCount()];
        block.gatherFeatures(rows, from, count, x);
        float[] featureMask = new float[count * length];
        float[] labelMask = new float[count * length];
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(count, classes), length)];
        long counted = 0;
        long real = 0;
        for (int i = 0; i < count; i++) {
            int row = rows[from + i];
            for (int t = 0; t < length; t++) {
                featureMask[i * length + t] = block.stepMask(row, t);
                real += block.stepMask(row, t);
                int c = block.stepLabel(row, t);
                if (c >= 0) {
                    labelMask[i * length + t] = 1f;
                    y[(i * classes + c) * length + t] = 1f; // C order [count, classes, L]
                    counted++;
                }
            }
        }
        return new SequenceBatch(
                Nd4j.createFromArray(x).reshape(count, size, length),
                Nd4j.createFromArray(featureMask).reshape(count, length),
                Nd4j.createFromArray(y).reshape(count, classes, length),
                Nd4j.createFromArray(labelMask).reshape(count, length),
                counted, real);
    }

    /** Rows {@code rows[from .. from + count)} of a token block, masked with {@code epochKey}'s draw. */
    public static SequenceBatch of(ExampleBlock block, int[] rows, int from, int count, TokenMasking masking, long epochKey) {
        int length = block.featureCount();
        int vocabulary = masking.vocabulary();
        float[] x = new float[count * length];
        float[] featureMask = new float[count * length];
        float[] labelMask = new float[count * length];
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(count, vocabulary), length)];
        int[] positions = new int[length];
        int[] tokens = new int[length];
        long masked = 0;
        long real = 0;
        for (int i = 0; i < count; i++) {
            int row = rows[from + i];
            int n = block.length(row);
            block.tokenRow(row, tokens);
            int k = masking.mask(epochKey, block.id(row), tokens, 0, length, n, x, i * length, positions);
            for (int p = 0; p < n; p++) {
                featureMask[i * length + p] = 1f;
            }
            for (int c = 0; c < k; c++) {
                int p = positions[c];
                labelMask[i * length + p] = 1f;
                y[(i * vocabulary + tokens[p]) * length + p] = 1f; // C order [mb, V, L]
            }
            masked += k;
            real += n;
        }
        return new SequenceBatch(
                Nd4j.createFromArray(x).reshape(count, length),
                Nd4j.createFromArray(featureMask).reshape(count, length),
                Nd4j.createFromArray(y).reshape(count, vocabulary, length),
                Nd4j.createFromArray(labelMask).reshape(count, length),
                masked, real);
    }
}
