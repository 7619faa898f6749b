package dev.sparklamb.spark.model.dropout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The generator's outputs: pure functions of the keys, every key matters, and (for a fixed seed, so deterministic)
 * their moments lie within a few standard errors of the distributions they stand for.
 */
class CounterRandomTest {

    static final int N = 100_000;

    @Test
    void retainedFractionOfAHundredThousandElementsIsPWithinFourStandardDeviations() {
        for (double p : new double[] {0.1, 0.5, 0.8, 0.95}) {
            long kept = 0;
            for (int i = 0; i < N; i++) {
                // 1000 examples x 100 elements
                kept += CounterRandom.uniform(42, 5, i / 100, 7, i % 100) < p ? 1 : 0;
            }
            double sd = Math.sqrt(N * p * (1 - p));
            assertThat((double) kept).as("kept of %d at p = %s", N, p).isBetween(N * p - 4 * sd, N * p + 4 * sd);
        }
    }

    @Test
    void uniformsHaveTheMomentsOfUniformZeroOne() {
        double sum = 0;
        double sumSq = 0;
        int[] deciles = new int[10];
        for (int i = 0; i < N; i++) {
            double u = CounterRandom.uniform(1, 0, i, 0, 0);
            assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
            sum += u;
            sumSq += u * u;
            deciles[(int) (u * 10)]++;
        }
        assertThat(sum / N).isBetween(0.5 - 4 * Math.sqrt(1.0 / 12 / N), 0.5 + 4 * Math.sqrt(1.0 / 12 / N));
        assertThat(sumSq / N - Math.pow(sum / N, 2)).isBetween(1.0 / 12 - 0.002, 1.0 / 12 + 0.002);
        double sd = Math.sqrt(N * 0.1 * 0.9);
        for (int d = 0; d < 10; d++) {
            assertThat((double) deciles[d]).as("decile %d", d).isBetween(N * 0.1 - 4 * sd, N * 0.1 + 4 * sd);
        }
    }

    @Test
    void normalsHaveZeroMeanUnitVarianceAndNormalTails() {
        double sum = 0;
        double sumSq = 0;
        int beyond2 = 0;
        for (int i = 0; i < N; i++) {
            double z = CounterRandom.normal(3, 9, 11, 13, i);
            assertThat(Double.isFinite(z)).isTrue();
            sum += z;
            sumSq += z * z;
            beyond2 += Math.abs(z) > 2 ? 1 : 0;
        }
        double mean = sum / N;
        assertThat(mean).isBetween(-4 / Math.sqrt(N), 4 / Math.sqrt(N));
        // variance of the sample variance of normals: 2 / N
        assertThat(sumSq / N - mean * mean).isBetween(1 - 4 * Math.sqrt(2.0 / N), 1 + 4 * Math.sqrt(2.0 / N));
        double pTail = 0.0455003;
        double sd = Math.sqrt(N * pTail * (1 - pTail));
        assertThat((double) beyond2).isBetween(N * pTail - 4 * sd, N * pTail + 4 * sd);
    }

    @Test
    void everyKeyChangesTheValueAndTheSameKeysGiveTheSameValue() {
        double base = CounterRandom.uniform(1, 2, 3, 4, 5);
        assertThat(CounterRandom.uniform(1, 2, 3, 4, 5)).isEqualTo(base);
        assertThat(CounterRandom.uniform(2, 2, 3, 4, 5)).isNotEqualTo(base);
        assertThat(CounterRandom.uniform(1, 3, 3, 4, 5)).isNotEqualTo(base);
        assertThat(CounterRandom.uniform(1, 2, 4, 4, 5)).isNotEqualTo(base);
        assertThat(CounterRandom.uniform(1, 2, 3, 5, 5)).isNotEqualTo(base);
        assertThat(CounterRandom.uniform(1, 2, 3, 4, 6)).isNotEqualTo(base);
        // swapping two keys gives another value (keys are absorbed with position-specific salts)
        assertThat(CounterRandom.uniform(1, 2, 4, 3, 5)).isNotEqualTo(base);
        Set<Long> streams = new HashSet<>();
        for (int step = 0; step < 50; step++) {
            for (int id = 0; id < 50; id++) {
                for (int layer = 0; layer < 20; layer++) {
                    streams.add(CounterRandom.stream(99, step, layer, id));
                }
            }
        }
        assertThat(streams).as("distinct stream keys").hasSize(50 * 50 * 20);
    }

    @Test
    void neighbouringExamplesAndStepsAreUncorrelated() {
        // correlation of u(id, e) and u(id + 1, e), and of step s and s + 1: |r| < 4 / sqrt(N) for independent streams
        double[] r = new double[2];
        for (int which = 0; which < 2; which++) {
            double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
            for (int i = 0; i < N; i++) {
                double x = CounterRandom.uniform(5, i / 100, i % 100, 1, 0);
                double y = which == 0 ? CounterRandom.uniform(5, i / 100, i % 100 + 1, 1, 0)
                        : CounterRandom.uniform(5, i / 100 + 1, i % 100, 1, 0);
                sx += x;
                sy += y;
                sxy += x * y;
                sxx += x * x;
                syy += y * y;
            }
            double cov = sxy / N - sx / N * sy / N;
            r[which] = cov / Math.sqrt((sxx / N - sx * sx / N / N) * (syy / N - sy * sy / N / N));
        }
        assertThat(Math.abs(r[0])).as("neighbouring example ids").isLessThan(4 / Math.sqrt(N));
        assertThat(Math.abs(r[1])).as("neighbouring steps").isLessThan(4 / Math.sqrt(N));
    }
}
