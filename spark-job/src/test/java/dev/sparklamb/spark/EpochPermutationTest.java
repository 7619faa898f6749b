package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.data.EpochPermutation;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link EpochPermutation}: a bijection of [0, n) for every n, and a different order per seed and per epoch. */
class EpochPermutationTest {

    static long[] positions(long n, long seed, long epoch) {
        EpochPermutation p = new EpochPermutation(n, seed, epoch);
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = p.position(i);
        }
        return out;
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 100, 1000, 1023, 1024, 1025, 4096, 4097, 60000, 65537})
    void isABijectionOfTheRange(int n) {
        for (long seed : new long[] {0, 12345, -1}) {
            for (int epoch : new int[] {0, 1, 9}) {
                long[] pos = positions(n, seed, epoch);
                boolean[] seen = new boolean[n];
                for (int i = 0; i < n; i++) {
                    assertThat(pos[i]).as("position of %d (n = %d, seed %d, epoch %d)", i, n, seed, epoch).isBetween(0L, n - 1L);
                    assertThat(seen[(int) pos[i]]).as("position %d taken twice (n = %d, seed %d, epoch %d)", pos[i], n, seed, epoch).isFalse();
                    seen[(int) pos[i]] = true;
                }
            }
        }
    }

    @Test
    void sameArgumentsGiveTheSameOrder() {
        assertThat(positions(4097, 7, 3)).isEqualTo(positions(4097, 7, 3));
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {100, 1000, 4097, 60000})
    void differentEpochsAndSeedsGiveDifferentOrders(int n) {
        long[] base = positions(n, 12345, 0);
        assertThat(positions(n, 12345, 1)).as("epoch 1 vs epoch 0").isNotEqualTo(base);
        assertThat(positions(n, 12345, 2)).as("epoch 2 vs epoch 0").isNotEqualTo(base);
        assertThat(positions(n, 12346, 0)).as("seed 12346 vs 12345").isNotEqualTo(base);
        assertThat(positions(n, 0, 0)).as("seed 0 vs 12345").isNotEqualTo(base);
        long[] identity = new long[n];
        Arrays.setAll(identity, i -> i);
        assertThat(base).as("not the identity").isNotEqualTo(identity);
    }

    @Test
    void orderLooksShuffled() {
        int n = 60000;
        long[] pos = positions(n, 12345, 0);
        // Correlation between index and position near 0; few fixed points; the first tenth of the ids spread over
        // the whole range.
        double mean = (n - 1) / 2.0;
        double cov = 0;
        double var = 0;
        int fixed = 0;
        for (int i = 0; i < n; i++) {
            cov += (i - mean) * (pos[i] - mean);
            var += (i - mean) * (i - mean);
            if (pos[i] == i) {
                fixed++;
            }
        }
        assertThat(Math.abs(cov / var)).as("index/position correlation").isLessThan(0.05);
        assertThat(fixed).as("fixed points (about 1 expected)").isLessThan(20);
        int[] decile = new int[10];
        for (int i = 0; i < n / 10; i++) {
            decile[(int) (pos[i] * 10 / n)]++;
        }
        for (int d = 0; d < 10; d++) {
            assertThat(decile[d]).as("ids 0..5999 landing in position decile %d", d).isBetween(400, 800);
        }
    }

    @Test
    void rejectsAnEmptyRangeAndOutOfRangeIndices() {
        assertThatThrownBy(() -> new EpochPermutation(0, 1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        EpochPermutation p = new EpochPermutation(10, 1, 0);
        assertThatThrownBy(() -> p.position(10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
        assertThatThrownBy(() -> p.position(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}
