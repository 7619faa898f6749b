package dev.sparklamb.spark.gradient;

import dev.sparklamb.spark.config.TokenSettings;
import dev.sparklamb.spark.model.dropout.CounterRandom;
import java.io.Serializable;
import java.util.Arrays;

/**
 * BERT's dynamic masking, drawn from a counter-based generator keyed by (seed, epoch, example id) ({@link CounterRandom}),
 * so an example's masking depends on nothing else: not on the partitioning, the micro-batches or the order in which
 * examples are processed.
 *
 * <p>Of a sequence's {@code n} candidates (its real positions, before {@code length}, whose token is not special),
 * {@code k = n == 0 ? 0 : max(1, round(fraction * n))} are chosen: the first {@code k} of a partial Fisher-Yates shuffle of
 * the candidates in position order, swap {@code i} drawing {@code i + floor(u_i (n - i))} with {@code u_i} element
 * {@code i} of the shuffle stream. Each chosen position {@code p} then draws {@code a = } element {@code p} of the action
 * stream: {@code a < 0.8} [MASK], {@code a < 0.9} a random non-special token (element {@code p} of the replacement stream
 * picks uniformly among the {@code V - 5} non-special ids), else the token stays. Special tokens and padding are never
 * chosen and never inserted.
 *
 * <p>Held-out data is masked with the fixed key {@link #HELD_OUT} in place of the epoch, so its numbers compare across
 * epochs.
 */
public final class TokenMasking implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The epoch key of held-out masking (training epochs are >= 0). */
    public static final long HELD_OUT = -1;

    private static final long SHUFFLE_STREAM = 0x4d41534b53485546L;
    private static final long ACTION_STREAM = 0x4d41534b41435421L;
    private static final long REPLACE_STREAM = 0x4d41534b52504c43L;
    private static final double MASK_SHARE = 0.8;
    private static final double RANDOM_SHARE = 0.1;

    private final long seed;
    private final int vocabulary;
    private final int maskId;
    private final int[] specials;
    private final double fraction;

    public TokenMasking(long seed, int vocabulary, TokenSettings settings) {
        settings.requireWithin(vocabulary);
        this.seed = seed;
        this.vocabulary = vocabulary;
        this.maskId = settings.maskId();
        this.specials = settings.specials();
        this.fraction = settings.maskFraction();
    }

    public int vocabulary() {
        return vocabulary;
    }

    /** How many of {@code candidates} positions are chosen. */
    public int chosenCount(int candidates) {
        return candidates == 0 ? 0 : (int) Math.max(1, Math.round(fraction * candidates));
    }

    public boolean isSpecial(int token) {
        return Arrays.binarySearch(specials, token) >= 0;
    }

    /**
     * Masks one sequence.
     *
     * @param epochKey  the epoch (training) or {@link #HELD_OUT}
     * @param tokens    the token ids, {@code tokens[from .. from + L)}
     * @param length    the sequence's real length
     * @param input     receives the masked ids, {@code input[at .. at + L)} (padding kept)
     * @param positions receives the chosen positions, ascending, in {@code positions[0 .. k)} (length >= L)
     * @return k, the number of chosen positions
     */
    public int mask(long epochKey, long exampleId, int[] tokens, int from, int sequenceLength, int length, float[] input, int at,
                    int[] positions) {
        int n = 0;
        int[] candidates = new int[length];
        for (int p = 0; p < length; p++) {
            input[at + p] = tokens[from + p];
            if (!isSpecial(tokens[from + p])) {
                candidates[n++] = p;
            }
        }
        for (int p = length; p < sequenceLength; p++) {
            input[at + p] = tokens[from + p];
        }
        int k = chosenCount(n);
        long shuffle = CounterRandom.stream(seed, epochKey, SHUFFLE_STREAM, exampleId);
        for (int i = 0; i < k; i++) {
            int j = i + (int) (CounterRandom.uniform(shuffle, i) * (n - i));
            int t = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = t;
        }
        System.arraycopy(candidates, 0, positions, 0, k);
        Arrays.sort(positions, 0, k);
        long action = CounterRandom.stream(seed, epochKey, ACTION_STREAM, exampleId);
        long replace = CounterRandom.stream(seed, epochKey, REPLACE_STREAM, exampleId);
        for (int i = 0; i < k; i++) {
            int p = positions[i];
            double a = CounterRandom.uniform(action, p);
            if (a < MASK_SHARE) {
                input[at + p] = maskId;
            } else if (a < MASK_SHARE + RANDOM_SHARE) {
                input[at + p] = nonSpecial((int) (CounterRandom.uniform(replace, p) * (vocabulary - specials.length)));
            }
        }
        return k;
    }

    /** The {@code index}-th non-special id (0-based, ascending). */
    int nonSpecial(int index) {
        int id = index;
        for (int s : specials) { // ascending: every special at or below the candidate shifts it up by one
            if (s <= id) {
                id++;
            }
        }
        return id;
    }
}
