package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.BatchShare;
import dev.sparklamb.spark.data.EpochPermutation;
import dev.sparklamb.spark.data.ExampleBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BatchPlan} arithmetic, and {@link BatchShare}: the partitions' shares of a step make up its batch exactly once. */
class BatchPlanTest {

    @Test
    void stepAndEpochArithmetic() {
        BatchPlan plan = new BatchPlan(1000, 160, 3, 0, 42);
        assertThat(plan.stepsPerEpoch()).isEqualTo(6);
        assertThat(plan.totalSteps()).isEqualTo(18);
        assertThat(plan.epochOf(0)).isZero();
        assertThat(plan.epochOf(5)).isZero();
        assertThat(plan.epochOf(6)).isEqualTo(1);
        assertThat(plan.epochOf(17)).isEqualTo(2);
        assertThat(plan.firstPosition(0)).isZero();
        assertThat(plan.firstPosition(1)).isEqualTo(160);
        assertThat(plan.firstPosition(5)).isEqualTo(800);
        assertThat(plan.firstPosition(6)).as("first step of epoch 1").isZero();
        assertThat(plan.firstPosition(13)).isEqualTo(160);
    }

    @Test
    void maxStepsShortensTheRunOnlyWhenSmaller() {
        assertThat(new BatchPlan(1000, 160, 3, 4, 42).totalSteps()).isEqualTo(4);
        assertThat(new BatchPlan(1000, 160, 3, 18, 42).totalSteps()).isEqualTo(18);
        assertThat(new BatchPlan(1000, 160, 3, 100, 42).totalSteps()).isEqualTo(18);
    }

    @Test
    void batchOfTheWholeDataSetIsOneStepPerEpoch() {
        BatchPlan plan = new BatchPlan(500, 500, 4, 0, 1);
        assertThat(plan.stepsPerEpoch()).isEqualTo(1);
        assertThat(plan.totalSteps()).isEqualTo(4);
        assertThat(plan.epochOf(3)).isEqualTo(3);
        assertThat(plan.firstPosition(3)).isZero();
    }

    @Test
    void permutationDependsOnTheEpoch() {
        BatchPlan plan = new BatchPlan(1000, 100, 3, 0, 42);
        EpochPermutation e0 = plan.permutation(0);
        EpochPermutation e1 = plan.permutation(1);
        boolean differs = false;
        for (int i = 0; i < 1000 && !differs; i++) {
            differs = e0.position(i) != e1.position(i);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void rejectsAGlobalBatchLargerThanTheData() {
        assertThatThrownBy(() -> new BatchPlan(100, 101, 1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("101").hasMessageContaining("100").hasMessageContaining("spark-lamb.training.global-batch");
    }

    @Test
    void rejectsANonPositiveGlobalBatch() {
        assertThatThrownBy(() -> new BatchPlan(100, 0, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Splits ids 0..n-1 pseudo-randomly over {@code p} blocks, each sorted by id (as the reader caches them). */
    static List<ExampleBlock> blocks(int n, int p, long seed) {
        List<List<Long>> ids = new ArrayList<>();
        for (int b = 0; b < p; b++) {
            ids.add(new ArrayList<>());
        }
        Random r = new Random(seed);
        for (long id = 0; id < n; id++) {
            ids.get(r.nextInt(p)).add(id);
        }
        List<ExampleBlock> out = new ArrayList<>();
        for (int b = 0; b < p; b++) {
            long[] a = ids.get(b).stream().mapToLong(Long::longValue).toArray();
            int[] labels = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                labels[i] = (int) (a[i] % 10);
            }
            out.add(new ExampleBlock(b, 1, a, new float[a.length], labels));
        }
        return out;
    }

    @ParameterizedTest(name = "P = {0}")
    @ValueSource(ints = {1, 3, 4})
    void sharesOfAllBlocksCoverEachBatchExactlyOnce(int partitions) {
        int n = 1003;
        BatchPlan plan = new BatchPlan(n, 160, 3, 0, 9);
        List<ExampleBlock> blocks = blocks(n, partitions, 5);
        for (long step = 0; step < plan.totalSteps(); step++) {
            EpochPermutation perm = plan.permutation(plan.epochOf(step));
            long from = plan.firstPosition(step);
            int[] hits = new int[plan.globalBatch()];
            int total = 0;
            for (ExampleBlock block : blocks) {
                int[] rows = BatchShare.rows(block, perm, from, plan.globalBatch());
                long previous = -1;
                for (int row : rows) {
                    long position = perm.position(block.id(row));
                    assertThat(position).as("step %d: row %d of block %d", step, row, block.partition())
                            .isGreaterThanOrEqualTo(from).isLessThan(from + plan.globalBatch());
                    assertThat(position).as("rows sorted by position").isGreaterThan(previous);
                    previous = position;
                    hits[(int) (position - from)]++;
                }
                total += rows.length;
            }
            assertThat(total).as("step %d: examples over all shares", step).isEqualTo(plan.globalBatch());
            for (int k = 0; k < hits.length; k++) {
                assertThat(hits[k]).as("step %d: position %d", step, from + k).isEqualTo(1);
            }
        }
    }

    @Test
    void stepsOfOneEpochUseDisjointExamples() {
        int n = 1003;
        BatchPlan plan = new BatchPlan(n, 160, 1, 0, 9);
        ExampleBlock all = blocks(n, 1, 5).get(0);
        boolean[] used = new boolean[n];
        for (long step = 0; step < plan.totalSteps(); step++) {
            for (int row : BatchShare.rows(all, plan.permutation(0), plan.firstPosition(step), plan.globalBatch())) {
                assertThat(used[row]).as("example %d used twice in one epoch", row).isFalse();
                used[row] = true;
            }
        }
        int count = 0;
        for (boolean u : used) {
            count += u ? 1 : 0;
        }
        assertThat(count).isEqualTo(6 * 160);
    }

    @Test
    void emptyBlockHasAnEmptyShare() {
        ExampleBlock empty = new ExampleBlock(0, 1, new long[0], new float[0], new int[0]);
        assertThat(BatchShare.rows(empty, new EpochPermutation(10, 1, 0), 0, 5)).isEmpty();
    }

    /** The old per-step scan over every row: rows whose position is in [from, from + count), sorted by position. */
    static int[] scanAllRows(ExampleBlock block, EpochPermutation permutation, long from, long count) {
        return java.util.stream.IntStream.range(0, block.size()).boxed()
                .filter(r -> permutation.position(block.id(r)) >= from && permutation.position(block.id(r)) < from + count)
                .sorted(java.util.Comparator.comparingLong(r -> permutation.position(block.id(r))))
                .mapToInt(Integer::intValue).toArray();
    }

    @Test
    void sharesFromTheCachedEpochOrderEqualAScanOfEveryRowAcrossEpochsAndSerialization() throws Exception {
        java.util.Random random = new java.util.Random(11);
        long n = 5_000;
        long[] ids = random.longs(0, n).distinct().limit(1_300).sorted().toArray();
        ExampleBlock block = new ExampleBlock(3, 1, ids, new float[ids.length], new int[ids.length]);
        BatchPlan plan = new BatchPlan(n, 256, 3, 0, 99);
        for (int round = 0; round < 2; round++) {
            for (long step : new long[] {0, 1, 7, 19, 20, 25, 38, 45, 3}) {
                EpochPermutation permutation = plan.permutation(plan.epochOf(step));
                assertThat(BatchShare.rows(block, permutation, plan.firstPosition(step), plan.globalBatch()))
                        .as("round %d, step %d", round, step)
                        .isEqualTo(scanAllRows(block, permutation, plan.firstPosition(step), plan.globalBatch()));
            }
            // A block read back from disk (Spark spilled it) has no cached order: it is rebuilt, with the same result.
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(block);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                block = (ExampleBlock) in.readObject();
            }
        }
        assertThat(new EpochPermutation(n, 99, 1)).isEqualTo(plan.permutation(1)).isNotEqualTo(plan.permutation(2));
    }
}
