package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.allreduce.tree.GradientAllReduce;
import dev.sparklamb.spark.gradient.GradientPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tree all-reduce equals a plain sum of the parts, and repeats bitwise for the same partition count and fan-in. */
@ExtendWith(LocalSpark.class)
class GradientAllReduceTest {

    static final int LENGTH = 777;

    static SparkSession spark;
    static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** Partition {@code i}'s gradient: random floats of mixed magnitude (so that the order of additions matters). */
    static float[] gradient(int i) {
        Random r = new Random(1000L + i);
        float[] g = new float[LENGTH];
        for (int k = 0; k < LENGTH; k++) {
            g[k] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        return g;
    }

    static GradientPart part(int i) {
        return new GradientPart(i, gradient(i), 0.5 * i + 1, 10 + i, 1000L * ((i * 7) % 5), 100L * ((i * 3) % 4));
    }

    /** One part per partition, partition i holding the part with index i; sleeps make tasks finish in a varying order. */
    static JavaRDD<GradientPart> parts(int p, long jitterSeed) {
        List<Integer> ids = IntStream.range(0, p).boxed().toList();
        return jsc.parallelize(ids, p).map(i -> {
            Thread.sleep(new Random(jitterSeed * 31 + i).nextInt(4));
            return part(i);
        });
    }

    static void assertCloseToExactSum(float[] actual, int p) {
        double[] exact = new double[LENGTH];
        double[] abs = new double[LENGTH];
        for (int i = 0; i < p; i++) {
            float[] g = gradient(i);
            for (int k = 0; k < LENGTH; k++) {
                exact[k] += g[k];
                abs[k] += Math.abs(g[k]);
            }
        }
        for (int k = 0; k < LENGTH; k++) {
            // float summation of p terms in any order: |error| <= (p - 1) * 2^-24 * sum |g_i| (to first order)
            double bound = Math.max(1, p - 1) * Math.ulp(1f) * abs[k] + Float.MIN_NORMAL;
            assertThat(Math.abs(actual[k] - exact[k])).as("element %d (P = %d)", k, p).isLessThanOrEqualTo(bound);
        }
    }

    static float[] sequentialFloatSum(int p) {
        float[] sum = gradient(0);
        for (int i = 1; i < p; i++) {
            float[] g = gradient(i);
            for (int k = 0; k < LENGTH; k++) {
                sum[k] += g[k];
            }
        }
        return sum;
    }

    @ParameterizedTest(name = "fan-in {0}")
    @ValueSource(ints = {2, 3, 8})
    void equalsThePlainSumAndRepeatsBitwise(int fanIn) {
        GradientAllReduce allReduce = new GradientAllReduce(fanIn);
        for (int p = 1; p <= 20; p++) {
            GradientPart first = allReduce.sum(parts(p, 1));
            GradientPart second = allReduce.sum(parts(p, 2));

            assertThat(first.gradient()).hasSize(LENGTH);
            assertCloseToExactSum(first.gradient(), p);
            assertThat(second.gradient()).as("P = %d, fan-in %d: second run bitwise equal", p, fanIn).isEqualTo(first.gradient());
            if (p <= fanIn) {
                // One level: the driver adds the parts in index order, as a sequential loop does.
                assertThat(first.gradient()).as("P = %d <= fan-in %d: plain sequential float sum", p, fanIn).isEqualTo(sequentialFloatSum(p));
            }

            double loss = 0;
            long examples = 0;
            long compute = 0;
            long load = 0;
            for (int i = 0; i < p; i++) {
                GradientPart e = part(i);
                loss += e.lossSum();
                examples += e.examples();
                compute = Math.max(compute, e.computeNanos());
                load = Math.max(load, e.loadNanos());
            }
            assertThat(first.lossSum()).isCloseTo(loss, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(first.examples()).isEqualTo(examples);
            assertThat(first.computeNanos()).as("slowest compute").isEqualTo(compute);
            assertThat(first.loadNanos()).as("slowest load").isEqualTo(load);
        }
    }

    @Test
    void sumInOrderIgnoresTheOrderOfItsArguments() {
        List<GradientPart> forward = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            forward.add(part(i));
        }
        List<GradientPart> backward = new ArrayList<>(forward);
        java.util.Collections.reverse(backward);
        assertThat(GradientPart.sumInOrder(0, backward).gradient()).isEqualTo(GradientPart.sumInOrder(0, forward).gradient())
                .isEqualTo(sequentialFloatSum(6));
    }

    @Test
    void sumInOrderRejectsPartsOfDifferentLengths() {
        GradientPart shortPart = new GradientPart(1, new float[3], 0, 1, 0, 0);
        assertThatThrownBy(() -> GradientPart.sumInOrder(0, List.of(part(0), shortPart)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("part 1");
    }

    @Test
    void rejectsFanInBelowTwo() {
        assertThatThrownBy(() -> new GradientAllReduce(1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1");
    }
}
