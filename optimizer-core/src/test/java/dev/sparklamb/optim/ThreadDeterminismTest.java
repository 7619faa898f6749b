package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.kernel.ChunkExecutor;
import dev.sparklamb.optim.kernel.ChunkPlan;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Results do not depend on the number of optimizer threads: chunk boundaries depend only on the layout and per-tensor
 * sums are combined in chunk order ({@link ChunkPlan}). Checked on a layout whose tensors span several chunks.
 */
class ThreadDeterminismTest {

    private static final int C = ChunkPlan.CHUNK;
    private static final String[] NAMES = {"big/W", "exact/W", "odd/W", "small/W", "bn/gamma"};
    private static final long[][] SHAPES = {{3, C + 41}, {C}, {C + 1}, {5, 7}, {}};
    private static final int STEPS = 4;

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of(Named.of("lamb", LambConfig.builder().learningRate(0.01).weightDecay(0.01)
                        .excludeFromWeightDecay(List.of("gamma")).maxGradientNorm(10).build())),
                Arguments.of(Named.of("lars", LarsConfig.defaults().withWeightDecay(1e-3, List.of("gamma")).withTrustRatioClamp(0.01, 10))),
                Arguments.of(Named.of("adamw", AdamWConfig.defaults())),
                Arguments.of(Named.of("adam", AdamConfig.defaults().withWeightDecay(1e-3, List.of()))));
    }

    @Test
    void layoutReallySpansSeveralChunks() {
        TensorLayout layout = layout();
        assertThat(layout.length(0)).isGreaterThan(3 * C);
        ChunkPlan plan = new ChunkPlan(layout);
        assertThat(plan.chunkCount()).isEqualTo(4 + 1 + 2 + 1 + 1);
        assertThat(plan.count(3)).isEqualTo(3 * (C + 41) - 3 * C);
        assertThat(plan.from(6)).isEqualTo(C);
        assertThat(plan.count(6)).isEqualTo(1);
    }

    /**
     * The optimizers take their executor from {@link ChunkExecutor#shared()}; to compare thread counts the test swaps
     * in executors of 1 and 3 threads through the private field {@code executor}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void oneThreadAndThreeThreadsGiveBitwiseEqualResults(OptimizerConfig config) throws Exception {
        Run one = run(withExecutor(config, new ChunkExecutor(1)));
        Run three = run(withExecutor(config, new ChunkExecutor(3)));
        one.assertBitwiseEqualTo(three);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void repeatedRunsOnTheSharedExecutorAreBitwiseEqual(OptimizerConfig config) {
        Run a = run(config.create());
        Run b = run(config.create());
        a.assertBitwiseEqualTo(b);
    }

    /** Chunk offsets are right: on multi-chunk tensors the float run still follows the double reference. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void multiChunkTensorsFollowTheReference(OptimizerConfig config) {
        Random rnd = new Random(99);
        NamedTensors params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        float[][] initial = new float[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            initial[i] = TestTensors.elements(params.get(i));
        }
        ReferenceOptimizer ref = ReferenceOptimizer.of(config, NAMES, initial);
        Optimizer optimizer = config.create();
        OptimizerState state = optimizer.init(params.layout());
        for (int s = 0; s < 2; s++) {
            NamedTensors g = TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.1);
            float[][] gf = new float[NAMES.length][];
            for (int i = 0; i < NAMES.length; i++) {
                gf[i] = TestTensors.elements(g.get(i));
            }
            StepResult r = optimizer.step(params, g, state);
            ReferenceOptimizer.Step e = ref.step(gf, 1.0);
            assertThat(r.gradientNorm()).isCloseTo(e.gradientNorm(), org.assertj.core.api.Assertions.within(1e-9 * e.gradientNorm()));
            for (int i = 0; i < NAMES.length; i++) {
                assertClose(TestTensors.elements(params.get(i)), ref.w[i], NAMES[i] + " parameters, step " + (s + 1));
                assertClose(state.firstMoment(i), ref.m[i], NAMES[i] + " first moment, step " + (s + 1));
            }
        }
    }

    @Test
    void chunkSumsAreIndependentOfThreadCount() {
        TensorLayout layout = layout();
        ChunkPlan plan = new ChunkPlan(layout);
        Random rnd = new Random(1);
        float[][] data = new float[layout.size()][];
        for (int i = 0; i < layout.size(); i++) {
            data[i] = TestTensors.gaussian(rnd, layout.length(i), 1 + i);
        }
        double[] sequential = sums(new ChunkExecutor(1), plan, data);
        for (int threads : new int[] {2, 3, 8}) {
            double[] parallel = sums(new ChunkExecutor(threads), plan, data);
            assertThat(parallel).as("%d threads", threads).isEqualTo(sequential);
        }
        assertThat(new ChunkExecutor(2).threads()).isEqualTo(2);
        assertThatThrownBy(() -> new ChunkExecutor(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ChunkExecutor.THREADS_PROPERTY).hasMessageContaining("got 0");
    }

    // ---------------------------------------------------------------- helpers

    private static double[] sums(ChunkExecutor executor, ChunkPlan plan, float[][] data) {
        double[][] partial = executor.run(plan, 1, (c, s, out) -> {
            int n = plan.count(c);
            System.arraycopy(data[plan.tensorOf(c)], plan.from(c), s.a, 0, n);
            out[0] = Kernels.sumOfSquares(s.a, n);
        });
        return plan.sumPerTensor(partial, 0);
    }

    private static TensorLayout layout() {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            specs.add(new TensorSpec(NAMES[i], SHAPES[i]));
        }
        return new TensorLayout(specs);
    }

    private static Optimizer withExecutor(OptimizerConfig config, ChunkExecutor executor) throws ReflectiveOperationException {
        Optimizer optimizer = config.create();
        Field field = optimizer.getClass().getDeclaredField("executor");
        field.setAccessible(true);
        field.set(optimizer, executor);
        assertThat(field.get(optimizer)).isSameAs(executor);
        return optimizer;
    }

    private record Run(NamedTensors params, OptimizerState state, List<StepResult> results) {
        void assertBitwiseEqualTo(Run other) {
            TestTensors.assertBitwiseEqual(params, other.params);
            assertThat(state).isEqualTo(other.state);
            for (int s = 0; s < results.size(); s++) {
                StepResult a = results.get(s);
                StepResult b = other.results.get(s);
                assertThat(a.gradientNorm()).isEqualTo(b.gradientNorm());
                assertThat(a.clipScale()).isEqualTo(b.clipScale());
                assertThat(a.trustRatios()).isEqualTo(b.trustRatios());
                assertThat(a.parameterNorms()).isEqualTo(b.parameterNorms());
                assertThat(a.updateNorms()).isEqualTo(b.updateNorms());
            }
        }
    }

    /** STEPS steps from the same seeded parameters and gradients. */
    private static Run run(Optimizer optimizer) {
        Random rnd = new Random(42);
        NamedTensors params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        OptimizerState state = optimizer.init(params.layout());
        List<StepResult> results = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            results.add(optimizer.step(params, TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.1), 0.5, state));
        }
        return new Run(params, state, results);
    }

    private static void assertClose(float[] actual, double[] expected, String what) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int j = 0; j < expected.length; j++) {
            maxRef = Math.max(maxRef, Math.abs(expected[j]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[j] - expected[j]));
        }
        assertThat(maxDiff / Math.max(maxRef, 1e-30)).as(what).isLessThanOrEqualTo(1e-6);
    }
}
