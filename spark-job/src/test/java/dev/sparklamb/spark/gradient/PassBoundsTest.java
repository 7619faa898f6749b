package dev.sparklamb.spark.gradient;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a share is cut into forward/backward passes (and, with batch normalization, into normalisation groups). */
class PassBoundsTest {

    @Test
    void plainChunksKeepTheMicroBatchSizeAndLeaveTheRestLast() {
        assertThat(PartitionGradient.passBounds(10, 4, false)).containsExactly(0, 4, 8, 10);
        assertThat(PartitionGradient.passBounds(8, 4, false)).containsExactly(0, 4, 8);
        assertThat(PartitionGradient.passBounds(0, 4, false)).containsExactly(0);
    }

    @Test
    void batchNormGroupsAreTheFewestOfAtMostTheSizeAndDifferByAtMostOne() {
        assertThat(PartitionGradient.passBounds(10, 4, true)).containsExactly(0, 3, 6, 10);
        for (int n = 1; n < 600; n++) {
            for (int size : new int[] {1, 7, 32, 256}) {
                int[] b = PartitionGradient.passBounds(n, size, true);
                assertThat(b.length - 1).as("n=%d size=%d: fewest passes", n, size).isEqualTo((n + size - 1) / size);
                assertThat(b[0]).isZero();
                assertThat(b[b.length - 1]).isEqualTo(n);
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int k = 0; k + 1 < b.length; k++) {
                    min = Math.min(min, b[k + 1] - b[k]);
                    max = Math.max(max, b[k + 1] - b[k]);
                }
                assertThat(max).as("n=%d size=%d", n, size).isLessThanOrEqualTo(size);
                assertThat(max - min).as("n=%d size=%d", n, size).isLessThanOrEqualTo(1);
            }
        }
    }
}
