package dev.sparklamb.spark.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.TokenSettings;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.SequenceBatch;
import dev.sparklamb.spark.gradient.TokenMasking;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BERT's dynamic masking: exact counts, never special tokens or padding, the 80/10/10 split and uniform choices within
 * binomial bounds (4.5 standard deviations: a correct implementation fails about once in 150,000 runs), reproducible
 * from (seed, epoch, id) and independent of micro-batches and of the other rows of a block.
 */
class TokenMaskingTest {

    static final int V = 100;
    static final int L = 16;
    static final TokenSettings SETTINGS = TokenSettings.DEFAULT.withSequenceLength(L); // [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4
    static final TokenMasking MASKING = new TokenMasking(42, V, SETTINGS);

    /** n random sequences: [CLS] tokens [SEP] [PAD]..., lengths 1..L, tokens 5..V-1 with a few [UNK]. */
    static ExampleBlock block(int n, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[n];
        int[] tokens = new int[n * L];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            int len = 1 + r.nextInt(L);
            lengths[i] = len;
            for (int p = 0; p < len; p++) {
                tokens[i * L + p] = p == 0 ? 2 : p == len - 1 ? 3 : r.nextInt(20) == 0 ? 1 : 5 + r.nextInt(V - 5);
            }
        }
        return ExampleBlock.ofTokens(0, L, ids, tokens, lengths);
    }

    static void assertWithinBinomial(long hits, long trials, double p, String what) {
        double sd = Math.sqrt(trials * p * (1 - p));
        assertThat((double) hits).as(what + ": " + hits + " of " + trials + ", expected p = " + p)
                .isBetween(trials * p - 4.5 * sd, trials * p + 4.5 * sd);
    }

    @Test
    void chosenCountsAreExactAndNeverSpecialOrPadding() {
        ExampleBlock b = block(5000, 1);
        float[] input = new float[L];
        int[] positions = new int[L];
        for (int i = 0; i < b.size(); i++) {
            int len = b.length(i);
            int candidates = 0;
            for (int p = 0; p < len; p++) {
                int t = b.tokens()[i * L + p];
                candidates += t >= 5 ? 1 : 0;
            }
            int expected = candidates == 0 ? 0 : Math.max(1, (int) Math.round(0.15 * candidates));
            int k = MASKING.mask(0, b.id(i), b.tokens(), i * L, L, len, input, 0, positions);
            assertThat(k).as("example %d: %d candidates", i, candidates).isEqualTo(expected);
            for (int c = 0; c < k; c++) {
                int p = positions[c];
                assertThat(p).isLessThan(len);
                assertThat(b.tokens()[i * L + p]).as("chosen token").isGreaterThanOrEqualTo(5);
                if (c > 0) {
                    assertThat(p).isGreaterThan(positions[c - 1]);
                }
            }
            for (int p = 0; p < L; p++) {
                int pos = p;
                boolean chosen = Arrays.stream(positions, 0, k).anyMatch(q -> q == pos);
                if (!chosen) {
                    assertThat(input[p]).as("position %d not chosen stays", p).isEqualTo((float) b.tokens()[i * L + p]);
                }
            }
        }
    }

    @Test
    void eightyTenTenSplitAndUniformReplacement() {
        ExampleBlock b = block(40000, 2);
        float[] input = new float[L];
        int[] positions = new int[L];
        long chosen = 0;
        long masked = 0;
        long kept = 0;
        long[] replacement = new long[V];
        long replaced = 0;
        for (int i = 0; i < b.size(); i++) {
            int k = MASKING.mask(3, b.id(i), b.tokens(), i * L, L, b.length(i), input, 0, positions);
            for (int c = 0; c < k; c++) {
                int p = positions[c];
                int original = b.tokens()[i * L + p];
                int now = (int) input[p];
                chosen++;
                if (now == 4) {
                    masked++;
                } else if (now == original) {
                    kept++;
                } else {
                    replaced++;
                    replacement[now]++;
                }
            }
        }
        assertThat(chosen).isGreaterThan(40000);
        assertWithinBinomial(masked, chosen, 0.8, "[MASK]");
        // a random replacement equals the original with probability 1/95
        assertWithinBinomial(kept, chosen, 0.1 + 0.1 / (V - 5), "unchanged");
        assertWithinBinomial(replaced, chosen, 0.1 * (1 - 1.0 / (V - 5)), "random token");
        for (int t = 0; t < 5; t++) {
            assertThat(replacement[t]).as("special token %d inserted", t).isZero();
        }
        long perToken = replaced;
        for (int t = 5; t < V; t++) { // each non-special id about equally often (minus the originals it cannot replace)
            double p = 1.0 / (V - 5);
            double sd = Math.sqrt(perToken * p * (1 - p));
            assertThat((double) replacement[t]).as("replacement id %d", t).isBetween(perToken * p - 4.5 * sd - 0.02 * perToken * p,
                    perToken * p + 4.5 * sd + 0.02 * perToken * p);
        }
    }

    @Test
    void everyCandidatePositionIsEquallyLikely() {
        // all sequences of length L with tokens >= 5 except [CLS]/[SEP]: 14 candidates, 2 chosen each
        int n = 30000;
        long[] ids = new long[n];
        int[] tokens = new int[n * L];
        int[] lengths = new int[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            ids[i] = 1000 + i;
            lengths[i] = L;
            for (int p = 0; p < L; p++) {
                tokens[i * L + p] = p == 0 ? 2 : p == L - 1 ? 3 : 5 + r.nextInt(V - 5);
            }
        }
        float[] input = new float[L];
        int[] positions = new int[L];
        long[] count = new long[L];
        for (int i = 0; i < n; i++) {
            int k = MASKING.mask(0, ids[i], tokens, i * L, L, L, input, 0, positions);
            assertThat(k).isEqualTo(2); // round(0.15 * 14) = 2
            for (int c = 0; c < k; c++) {
                count[positions[c]]++;
            }
        }
        assertThat(count[0]).isZero();
        assertThat(count[L - 1]).isZero();
        for (int p = 1; p < L - 1; p++) {
            assertWithinBinomial(count[p], n, 2.0 / 14, "position " + p);
        }
    }

    @Test
    void reproducibleByKeyAndDifferentAcrossEpochsAndSeeds() {
        ExampleBlock b = block(200, 3);
        float[] a = new float[L];
        float[] a2 = new float[L];
        int[] pa = new int[L];
        int[] pb = new int[L];
        int differentEpoch = 0;
        int differentSeed = 0;
        TokenMasking otherSeed = new TokenMasking(43, V, SETTINGS);
        for (int i = 0; i < b.size(); i++) {
            int k1 = MASKING.mask(1, b.id(i), b.tokens(), i * L, L, b.length(i), a, 0, pa);
            int k2 = new TokenMasking(42, V, SETTINGS).mask(1, b.id(i), b.tokens(), i * L, L, b.length(i), a2, 0, pb);
            assertThat(k2).isEqualTo(k1);
            assertThat(a2).containsExactly(a);
            assertThat(Arrays.copyOf(pb, k2)).containsExactly(Arrays.copyOf(pa, k1));
            MASKING.mask(2, b.id(i), b.tokens(), i * L, L, b.length(i), a2, 0, pb);
            differentEpoch += Arrays.equals(a, a2) ? 0 : 1;
            otherSeed.mask(1, b.id(i), b.tokens(), i * L, L, b.length(i), a2, 0, pb);
            differentSeed += Arrays.equals(a, a2) ? 0 : 1;
        }
        assertThat(differentEpoch).isGreaterThan(100);
        assertThat(differentSeed).isGreaterThan(100);
    }

    @Test
    void batchesAreIndependentOfMicroBatchesAndNeighbours() {
        ExampleBlock b = block(37, 4);
        int[] all = new int[b.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = all.length - 1 - i; // any order
        }
        SequenceBatch whole = SequenceBatch.of(b, all, 0, all.length, MASKING, 7);
        assertThat(whole.features().shape()).containsExactly(37, L);
        assertThat(whole.featureMask().shape()).containsExactly(37, L);
        assertThat(whole.labels().shape()).containsExactly(37, V, L);
        assertThat(whole.labelMask().shape()).containsExactly(37, L);
        long masked = 0;
        long real = 0;
        for (int from = 0; from < all.length; from += 5) {
            int count = Math.min(5, all.length - from);
            SequenceBatch part = SequenceBatch.of(b, all, from, count, MASKING, 7);
            for (int i = 0; i < count; i++) {
                assertThat(part.features().getRow(i).toFloatVector()).containsExactly(whole.features().getRow(from + i).toFloatVector());
                assertThat(part.labelMask().getRow(i).toFloatVector()).containsExactly(whole.labelMask().getRow(from + i).toFloatVector());
                assertThat(part.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).toFloatMatrix())
                        .isDeepEqualTo(whole.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.point(from + i)).toFloatMatrix());
            }
            masked += part.maskedTokens();
            real += part.realTokens();
        }
        assertThat(masked).isEqualTo(whole.maskedTokens()).isEqualTo((long) whole.labelMask().sumNumber().doubleValue());
        assertThat(real).isEqualTo(whole.realTokens()).isEqualTo((long) whole.featureMask().sumNumber().doubleValue());
        // labels: one-hot of the original token exactly at the label mask's positions
        for (int i = 0; i < all.length; i++) {
            int row = all[i];
            for (int p = 0; p < L; p++) {
                float m = whole.labelMask().getFloat(i, p);
                float sum = whole.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(p)).sumNumber().floatValue();
                assertThat(sum).isEqualTo(m);
                if (m == 1f) {
                    assertThat(whole.labels().getFloat(i, b.tokens()[row * L + p], p)).isEqualTo(1f);
                }
                assertThat(whole.featureMask().getFloat(i, p)).isEqualTo(p < b.length(row) ? 1f : 0f);
            }
        }
        // the same example in another block (another partition) at another row: the same masking
        ExampleBlock single = ExampleBlock.ofTokens(2, L, new long[] {b.id(10)}, Arrays.copyOfRange(b.tokens(), 10 * L, 11 * L),
                new int[] {b.length(10)});
        SequenceBatch alone = SequenceBatch.of(single, new int[] {0}, 0, 1, MASKING, 7);
        int at = all.length - 1 - 10;
        assertThat(alone.features().getRow(0).toFloatVector()).containsExactly(whole.features().getRow(at).toFloatVector());
    }

    @Test
    void bertVocabularySpecialsAreSkippedByRandomReplacement() {
        TokenSettings bert = new TokenSettings(L, 0, 100, 101, 102, 103, 0.15);
        TokenMasking m = new TokenMasking(1, 30522, bert);
        assertThat(m.isSpecial(100)).isTrue();
        assertThat(m.isSpecial(99)).isFalse();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        int[] tokens = new int[L];
        tokens[0] = 101;
        for (int p = 1; p < L; p++) {
            tokens[p] = 2000 + p;
        }
        float[] input = new float[L];
        int[] positions = new int[L];
        for (long id = 0; id < 20000; id++) {
            int k = m.mask(0, id, tokens, 0, L, L, input, 0, positions);
            for (int c = 0; c < k; c++) {
                int t = (int) input[positions[c]];
                assertThat(t).isBetween(0, 30521);
                if (t != 103 && t != tokens[positions[c]]) {
                    assertThat(t).isNotIn(0, 100, 101, 102, 103);
                    seen.add(t);
                }
            }
        }
        assertThat(seen).hasSizeGreaterThan(1000);
    }
}
