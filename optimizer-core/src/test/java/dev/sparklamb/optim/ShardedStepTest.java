package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The sharded step (owners hold slices of parameters, moments and the summed gradient; a coordinator sees per-chunk
 * scalars) is bitwise the same as {@link Optimizer#step} on the whole vector, for every optimizer, with split tensors
 * (the chunked-norm path), clipping, exclusions, weight-decay overrides and any report order.
 */
class ShardedStepTest {

    /** One tensor far larger than the rest (an embedding), so it is split across shards; chunks are 16,384 elements. */
    static TensorLayout embeddingLayout() {
        return TensorLayout.of("emb_W", new long[] {300, 1000}, "0_W", new long[] {1000, 64}, "0_b", new long[] {1, 64},
                "1_W", new long[] {64, 10}, "1_b", new long[] {1, 10}, "ln_gamma", new long[] {1, 64});
    }

    static Stream<Arguments> cases() {
        LearningRateSchedule warm = LearningRateSchedule.warmupPolynomialDecay(0.02, 2, 6, 1.0, 0.0);
        List<OptimizerConfig> configs = List.of(
                LambConfig.builder().learningRate(warm).weightDecay(0.01).excludeFromWeightDecay(List.of("_b", "ln_")).build(),
                LambConfig.builder().learningRate(0.01).maxGradientNorm(0.5).trustRatioClamp(0.05, 5).build(),
                LambConfig.builder().learningRate(0.01).biasCorrection(false).excludeFromLayerAdaptation(List.of("emb")).build(),
                new LarsConfig(warm, 0.9, 0.02, 1e-4, List.of("_b"), Optional.empty(), Optional.empty(), OptionalDouble.of(1.0)),
                new AdamWConfig(warm, 0.9, 0.999, 1e-8, 0.01, List.of("_b"), OptionalDouble.empty()),
                new AdamConfig(LearningRateSchedule.constant(1e-3), 0.9, 0.999, 1e-8, 1e-4, List.of(), OptionalDouble.of(0.1)),
                // Per-tensor weight-decay overrides (one on a regex-excluded tensor, one on the split embedding, one to 0).
                LambConfig.builder().learningRate(warm).weightDecay(0.01).excludeFromWeightDecay(List.of("_b", "ln_"))
                        .weightDecayOverrides(Map.of("0_b", 0.05, "emb_W", 0.2, "1_W", 0.0)).build(),
                new LarsConfig(warm, 0.9, 0.02, 1e-4, List.of("_b"), Optional.empty(), Optional.empty(), OptionalDouble.of(1.0))
                        .withWeightDecayOverrides(Map.of("1_b", 1e-3, "emb_W", 0.0)),
                new AdamWConfig(warm, 0.9, 0.999, 1e-8, 0.01, List.of("_b"), OptionalDouble.empty())
                        .withWeightDecayOverrides(Map.of("0_b", 0.1, "emb_W", 0.05, "ln_gamma", 0.0)),
                new AdamConfig(LearningRateSchedule.constant(1e-3), 0.9, 0.999, 1e-8, 1e-4, List.of(), OptionalDouble.of(0.1))
                        .withWeightDecayOverrides(Map.of("emb_W", 1e-3, "1_b", 0.0)));
        List<Arguments> out = new ArrayList<>();
        for (OptimizerConfig c : configs) {
            for (int shards : new int[] {1, 3, 7}) {
                out.add(Arguments.of(c, shards));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} over {1} shards")
    @MethodSource("cases")
    void equalsTheSingleProcessStepBitwise(OptimizerConfig config, int shards) throws Exception {
        check(config, shards, false);
    }

    /**
     * The owners' first pass run with unclipped coefficients before the norm is known (one Spark job per step), made from
     * {@link ShardedStep#unclipped} before the gradient scale is known too (sent through Java serialization, as to a
     * Spark task) and used whenever it has the same passes as the real coefficients: still bitwise the single-process
     * step. The scale changes from step to step, as a masked-language-model step's 1 / masked tokens does.
     */
    @ParameterizedTest(name = "{0} over {1} shards, first pass before the norm is known")
    @MethodSource("cases")
    void aFirstPassBeforeTheNormIsKnownEqualsTheSingleProcessStepBitwise(OptimizerConfig config, int shards) throws Exception {
        check(config, shards, true);
    }

    private static void check(OptimizerConfig config, int shards, boolean firstPassEarly) throws Exception {
        TensorLayout layout = embeddingLayout();
        ShardPlan plan = ShardPlan.of(layout, shards);
        if (shards > 1) {
            assertThat(plan.isSplit(0)).as("the embedding is split: the chunked-norm path is exercised").isTrue();
        }
        int n = Math.toIntExact(layout.totalLength());
        Random random = new Random(7);
        float[] w0 = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = (float) random.nextGaussian() * 0.1f;
        }
        Optimizer optimizer = config.create();
        // Reference: one optimizer over views of one flat buffer.
        INDArray refFlat = Nd4j.createFromArray(w0.clone());
        NamedTensors refParams = NamedTensors.viewsOf(layout, refFlat);
        OptimizerState refState = optimizer.init(layout);
        // Sharded: owners' slices.
        ShardedStep sharded = ShardedStep.of(optimizer, plan);
        float[][] w = new float[plan.shards()][];
        float[][] m = new float[plan.shards()][];
        float[][] v = new float[plan.shards()][];
        for (int s = 0; s < plan.shards(); s++) {
            w[s] = plan.slice(w0, s);
            m[s] = new float[plan.length(s)];
            v[s] = sharded.hasSecondMoment() ? new float[plan.length(s)] : null;
        }
        long completed = 0;
        for (int step = 0; step < 6; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) (random.nextGaussian() * (1 + step));
            }
            double scale = 1.0 / (4096 - 97 * step);
            StepResult expected = optimizer.step(refParams, NamedTensors.viewsOf(layout, Nd4j.createFromArray(g.clone())), scale, refState);

            List<GradientReport> gradientReports = new ArrayList<>();
            for (int s = 0; s < plan.shards(); s++) {
                gradientReports.add(ShardedStep.gradientReport(plan, s, plan.slice(g, s)));
            }
            Collections.reverse(gradientReports); // arrival order must not matter
            Coefficients k = sharded.coefficients(gradientReports, scale, completed);
            Coefficients first = k;
            if (firstPassEarly && sharded.needsNormRound()) {
                Coefficients unclipped = ShardedStepSerializationTest.roundTrip(sharded.unclipped(completed)).forScale(scale);
                assertThat(unclipped.samePasses(k)).as("unclipped passes usable exactly when the step is not clipped (step %d)", step + 1)
                        .isEqualTo(expected.clipScale() == 1.0);
                if (unclipped.samePasses(k)) {
                    first = unclipped;
                }
            }
            ShardUpdate[] updates = new ShardUpdate[plan.shards()];
            List<NormReport> norms = new ArrayList<>();
            for (int s = 0; s < plan.shards(); s++) {
                updates[s] = ShardedStep.update(first, plan, s, plan.slice(g, s), w[s], m[s], v[s]);
                norms.add(updates[s].norms());
            }
            StepResult actual;
            if (sharded.needsNormRound()) {
                StepSizes sizes = sharded.stepSizes(k, norms);
                for (int s = 0; s < plan.shards(); s++) {
                    w[s] = ShardedStep.apply(k, sizes, plan, s, w[s], updates[s].firstMoment(), updates[s].secondMoment());
                }
                actual = sizes.result();
            } else {
                for (int s = 0; s < plan.shards(); s++) {
                    w[s] = updates[s].parameters();
                }
                actual = sharded.result(k);
            }
            for (int s = 0; s < plan.shards(); s++) {
                m[s] = updates[s].firstMoment();
                v[s] = updates[s].secondMoment();
            }
            completed++;

            assertThat(actual.step()).isEqualTo(expected.step());
            assertThat(actual.learningRate()).isEqualTo(expected.learningRate());
            assertThat(actual.gradientNorm()).isEqualTo(expected.gradientNorm());
            assertThat(actual.clipScale()).isEqualTo(expected.clipScale());
            assertThat(actual.trustRatios()).containsExactly(expected.trustRatios());
            assertThat(actual.adapted()).containsExactly(expected.adapted());
            float[] refW = refFlat.data().asFloat();
            for (int s = 0; s < plan.shards(); s++) {
                assertBitwise(w[s], plan.slice(refW, s), "parameters of shard " + s + " after step " + (step + 1));
                assertBitwise(m[s], plan.slice(firstMoments(refState), s), "first moment of shard " + s);
                if (sharded.hasSecondMoment()) {
                    assertBitwise(v[s], plan.slice(secondMoments(refState), s), "second moment of shard " + s);
                }
            }
        }
    }

    /**
     * {@link ShardedStep#unclipped} (scale not known yet) gives, for every scale, exactly the passes of
     * {@link ShardedStep#unclippedCoefficients}, which the update rule makes for that scale; and different scales give
     * different passes (the comparison sees the scale).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void coefficientsForAScaleKnownLaterEqualThoseMadeWithIt(OptimizerConfig config, int shards) throws Exception {
        ShardedStep sharded = ShardedStep.of(config.create(), ShardPlan.of(embeddingLayout(), shards));
        for (long completed : new long[] {0, 1, 5, 40}) {
            UnclippedCoefficients later = ShardedStepSerializationTest.roundTrip(sharded.unclipped(completed));
            for (long divisor : new long[] {1, 7, 64, 1000, 4093, 65536, 123457}) {
                Coefficients expected = sharded.unclippedCoefficients(1.0 / divisor, completed);
                Coefficients actual = later.forScale(1.0 / divisor);
                assertThat(actual.samePasses(expected)).as("divisor %d after %d steps", divisor, completed).isTrue();
                assertThat(actual.step()).isEqualTo(expected.step());
                assertThat(actual.learningRate()).isEqualTo(expected.learningRate());
                assertThat(actual.samePasses(sharded.unclippedCoefficients(1.0 / (divisor + 1), completed)))
                        .as("divisor %d vs %d", divisor, divisor + 1).isFalse();
            }
        }
        assertThatThrownBy(() -> sharded.unclipped(0).forScale(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Bitwise equality, reporting the first differing element (AssertJ's diff is quadratic on long arrays). */
    static void assertBitwise(float[] actual, float[] expected, String what) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        int i = java.util.Arrays.mismatch(actual, expected);
        assertThat(i).as(what + ": first difference at element " + i
                + (i >= 0 ? " (" + actual[i] + " vs " + expected[i] + ")" : "")).isEqualTo(-1);
    }

    private static float[][] firstMoments(OptimizerState state) {
        float[][] a = new float[state.layout().size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = state.firstMoment(i);
        }
        return a;
    }

    private static float[][] secondMoments(OptimizerState state) {
        float[][] a = new float[state.layout().size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = state.secondMoment(i);
        }
        return a;
    }

    @Test
    void aNonFiniteGradientNamesTheSameTensorAndElementAsTheSingleProcessStep() {
        TensorLayout layout = embeddingLayout();
        ShardPlan plan = ShardPlan.of(layout, 4);
        int n = Math.toIntExact(layout.totalLength());
        float[] g = new float[n];
        int bad = Math.toIntExact(layout.offset(0)) + 250_000; // inside the split embedding, not in its first shard
        g[bad] = Float.NaN;
        g[Math.toIntExact(layout.offset(3)) + 5] = Float.POSITIVE_INFINITY; // a later tensor: not the one reported
        Optimizer optimizer = LambConfig.builder().build().create();
        InvalidGradientException expected = null;
        try {
            optimizer.step(NamedTensors.viewsOf(layout, Nd4j.createFromArray(new float[n])), NamedTensors.viewsOf(layout, Nd4j.createFromArray(g)),
                    optimizer.init(layout));
        } catch (InvalidGradientException e) {
            expected = e;
        }
        assertThat(expected).isNotNull();
        List<GradientReport> reports = new ArrayList<>();
        for (int s = 0; s < plan.shards(); s++) {
            reports.add(ShardedStep.gradientReport(plan, s, plan.slice(g, s)));
        }
        ShardedStep sharded = ShardedStep.of(optimizer, plan);
        InvalidGradientException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidGradientException.class,
                () -> sharded.coefficients(reports, 1.0, 0));
        assertThat(e.tensorName()).isEqualTo("emb_W").isEqualTo(expected.tensorName());
        assertThat(e.elementIndex()).isEqualTo(250_000).isEqualTo(expected.elementIndex());
        assertThat(e.getMessage()).isEqualTo(expected.getMessage());
    }

    @Test
    void missingDuplicatedOrMisshapenReportsAreRefusedNamingTheShard() {
        TensorLayout layout = embeddingLayout();
        ShardPlan plan = ShardPlan.of(layout, 3);
        ShardedStep sharded = ShardedStep.of(LambConfig.builder().build().create(), plan);
        float[] g = new float[Math.toIntExact(layout.totalLength())];
        GradientReport r0 = ShardedStep.gradientReport(plan, 0, plan.slice(g, 0));
        GradientReport r1 = ShardedStep.gradientReport(plan, 1, plan.slice(g, 1));
        assertThatThrownBy(() -> sharded.coefficients(List.of(r0, r1), 1.0, 0)).hasMessageContaining("shard 2 is missing");
        assertThatThrownBy(() -> sharded.coefficients(List.of(r0, r1, r1), 1.0, 0)).hasMessageContaining("shard 1 is duplicated");
        assertThatThrownBy(() -> ShardedStep.gradientReport(plan, 1, new float[3]))
                .hasMessageContaining("gradient slice of shard 1 has 3 values, expected " + plan.length(1));
    }
}
