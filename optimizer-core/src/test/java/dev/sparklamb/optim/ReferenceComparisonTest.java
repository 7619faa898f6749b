package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.optim.TestTensors.Binding;
import dev.sparklamb.optim.TestTensors.Bound;
import dev.sparklamb.optim.schedule.LearningRateSchedule;
import dev.sparklamb.optim.schedule.TwoStageSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float32 optimizers against {@link ReferenceOptimizer} (double precision, written from the formulas), step by
 * step: parameters, moments, trust ratios, learning rate, gradient norm and clip factor, for every option.
 *
 * <p>Tolerance 1e-6. Per tensor the error is {@code max|float - ref| / max|ref|} (parameters, second moments). The
 * float run rounds every stored parameter and moment to float32 at each step (half an ulp, 6e-8 relative) and computes
 * the update in float32 while the reference never rounds; over 10 steps that adds up to a few 1e-7 of the tensor's largest
 * element. Two quantities are measured against the magnitude they were summed from instead, because float32 cannot do
 * better where a sum cancels: first moments (and LARS momentum) against the same moving average of absolute values,
 * and trust ratios against their update norm's cancellation factor (see {@link ReferenceOptimizer.Step}). Both the plain
 * and the asserted ("scaled") worst errors are printed by {@link #report()} and written to
 * {@code target/reference-errors.txt}.
 */
class ReferenceComparisonTest {

    static final int STEPS = 10;
    static final double TOLERANCE = 1e-6;
    static final long SEED = 20240611L;

    /** Tensors of several shapes: a rank-0 scalar, [1], [1, 1], 2-D, 3-D, an all-zero weight and an all-zero gradient. */
    static final String[] NAMES = {"bn/gamma", "out/bias", "unit/W", "dense/W", "conv/W", "dense/bias", "zero_init/W", "frozen/W"};
    static final long[][] SHAPES = {{}, {1}, {1, 1}, {7, 5}, {3, 4, 5}, {5}, {6, 2}, {4, 3}};
    /** Initial weight scale per tensor: spread so trust ratios spread (0 = all-zero weights). */
    static final double[] WEIGHT_SCALE = {1.0, 0.5, 2.0, 1.0, 0.05, 3.0, 0.0, 0.7};
    /** Gradient scale per tensor (0 = zero gradient at every step). Global norm ~12, so a max norm of 1 clips. */
    static final double[] GRADIENT_SCALE = {0.3, 1.0, 0.1, 2.0, 0.5, 0.02, 1.0, 0.0};
    static final int ZERO_WEIGHT = 6;
    static final int ZERO_GRADIENT = 7;

    /** Worst relative error per "optimizer quantity". */
    private static final Map<String, Double> WORST = new TreeMap<>();

    static TensorLayout layout() {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            specs.add(new TensorSpec(NAMES[i], SHAPES[i]));
        }
        return new TensorLayout(specs);
    }

    // ---------------------------------------------------------------- option cases

    static Stream<Arguments> lambCases() {
        List<String> biasGamma = List.of("bias", "gamma");
        return Stream.of(
                named("lamb defaults", LambConfig.defaults(), 1),
                named("lamb lr 0.01, betas 0.8/0.95, eps 1e-4",
                        LambConfig.builder().learningRate(0.01).beta1(0.8).beta2(0.95).epsilon(1e-4).build(), 1),
                named("lamb beta1 0 (no momentum)", LambConfig.builder().beta1(0).build(), 1),
                named("lamb weight decay 0.01", LambConfig.builder().weightDecay(0.01).build(), 1),
                named("lamb wd, excluded bias|gamma (layer adaptation defaults to the same list)",
                        LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(biasGamma).build(), 1),
                named("lamb wd, excluded bias; own layer-adaptation list ^conv, gam+a (find, not match)",
                        LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(List.of("bias"))
                                .excludeFromLayerAdaptation(List.of("^conv", "gam+a")).build(), 1),
                named("lamb wd, excluded bias|gamma, explicit empty layer-adaptation list",
                        LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(biasGamma)
                                .excludeFromLayerAdaptation(List.of()).build(), 1),
                named("lamb without bias correction", LambConfig.builder().biasCorrection(false).build(), 1),
                named("lamb clamp [0.2, 1.5]", LambConfig.builder().trustRatioClamp(0.2, 1.5).build(), 1),
                named("lamb clamp [1.5, 4] lifts the ratio 1 of zero norms, wd 0.05",
                        LambConfig.builder().weightDecay(0.05).trustRatioClamp(1.5, 4).build(), 1),
                named("lamb clip global gradient norm 1 (clips)", LambConfig.builder().maxGradientNorm(1.0).build(), 1),
                named("lamb clip global gradient norm 1e4 (does not clip)", LambConfig.builder().maxGradientNorm(1e4).build(), 1),
                named("lamb gradient scale 0.25", LambConfig.defaults(), 0.25),
                named("lamb gradient scale 1/64, then clip to 0.1", LambConfig.builder().maxGradientNorm(0.1).build(), 1.0 / 64),
                named("lamb warmup 3 then linear decay",
                        LambConfig.builder().learningRate(LearningRateSchedule.warmupPolynomialDecay(0.01, 3, 10, 1, 0.001)).build(), 1),
                named("lamb two-stage schedule",
                        LambConfig.builder().learningRate(new TwoStageSchedule(
                                LearningRateSchedule.warmupPolynomialDecay(0.01, 2, 5, 1, 0),
                                5, LearningRateSchedule.warmupPolynomialDecay(0.005, 2, 5, 2, 0))).build(), 1),
                named("lamb wd 0.01 excluded bias|gamma, overrides out/bias 0.2 (excluded by regex), dense/W 0, conv/W 0.05",
                        LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(biasGamma)
                                .weightDecayOverrides(Map.of("out/bias", 0.2, "dense/W", 0.0, "conv/W", 0.05)).build(), 1),
                named("lamb wd 0, overrides only (unit/W 0.1, bn/gamma 0.03, zero_init/W 0.5), clip 1",
                        LambConfig.builder().maxGradientNorm(1.0)
                                .weightDecayOverrides(Map.of("unit/W", 0.1, "bn/gamma", 0.03, "zero_init/W", 0.5)).build(), 1),
                named("lamb everything at once",
                        LambConfig.builder().learningRate(LearningRateSchedule.warmupPolynomialDecay(0.02, 2, 10, 1, 0.001))
                                .beta1(0.85).beta2(0.99).epsilon(1e-5).weightDecay(0.02).excludeFromWeightDecay(biasGamma)
                                .excludeFromLayerAdaptation(List.of("gamma")).biasCorrection(false).trustRatioClamp(0.1, 2)
                                .maxGradientNorm(1.0).build(), 0.5));
    }

    static Stream<Arguments> larsCases() {
        LarsConfig d = LarsConfig.defaults();
        List<String> biasGamma = List.of("bias", "gamma");
        return Stream.of(
                named("lars defaults", d, 1),
                named("lars lr 1, eta 0.01", d.withLearningRate(LearningRateSchedule.constant(1.0)).withTrustCoefficient(0.01), 1),
                named("lars momentum 0", new LarsConfig(d.learningRate(), 0.0, 1.0, 0, List.of(), Optional.empty(), Optional.empty(),
                        OptionalDouble.empty()), 1),
                named("lars weight decay 1e-3", d.withWeightDecay(1e-3, List.of()), 1),
                named("lars wd, excluded bias|gamma (layer adaptation defaults to the same list)", d.withWeightDecay(1e-3, biasGamma), 1),
                named("lars wd, excluded bias; own layer-adaptation list dense",
                        new LarsConfig(d.learningRate(), 0.9, 1.0, 1e-3, List.of("bias"), Optional.of(List.of("dense")), Optional.empty(),
                                OptionalDouble.empty()), 1),
                named("lars clamp [0.2, 1.5]", d.withTrustRatioClamp(0.2, 1.5), 1),
                named("lars clamp [1.5, 4]", d.withWeightDecay(0.05, List.of()).withTrustRatioClamp(1.5, 4), 1),
                named("lars clip 1, gradient scale 0.5", d.withMaxGradientNorm(1.0), 0.5),
                named("lars warmup schedule", d.withLearningRate(LearningRateSchedule.warmupPolynomialDecay(0.01, 4, 10, 2, 0)), 1),
                named("lars wd 1e-3 excluded bias|gamma, overrides out/bias 0.01, dense/W 0",
                        d.withWeightDecay(1e-3, biasGamma).withWeightDecayOverrides(Map.of("out/bias", 0.01, "dense/W", 0.0)), 1),
                named("lars everything at once",
                        new LarsConfig(LearningRateSchedule.warmupPolynomialDecay(0.5, 2, 10, 1, 0.01), 0.8, 0.02, 5e-3, biasGamma,
                                Optional.of(List.of("gamma")), Optional.of(new TrustRatioClamp(0.05, 3)), OptionalDouble.of(2.0)), 0.25));
    }

    static Stream<Arguments> adamWCases() {
        AdamWConfig d = AdamWConfig.defaults();
        return Stream.of(
                named("adamw defaults (wd 0.01)", d, 1),
                named("adamw wd 0.1, excluded bias|gamma", d.withWeightDecay(0.1, List.of("bias", "gamma")), 1),
                named("adamw wd 0, betas 0.5/0.9, eps 1e-6",
                        new AdamWConfig(LearningRateSchedule.constant(0.01), 0.5, 0.9, 1e-6, 0, List.of(), OptionalDouble.empty()), 1),
                named("adamw clip 1", d.withMaxGradientNorm(1.0), 1),
                named("adamw wd 0.1 excluded bias|gamma, overrides out/bias 0.3, dense/W 0, conv/W 0.02",
                        d.withWeightDecay(0.1, List.of("bias", "gamma"))
                                .withWeightDecayOverrides(Map.of("out/bias", 0.3, "dense/W", 0.0, "conv/W", 0.02)), 1),
                named("adamw wd 0, overrides only (unit/W 0.1, bn/gamma 0.05)",
                        d.withWeightDecay(0, List.of()).withWeightDecayOverrides(Map.of("unit/W", 0.1, "bn/gamma", 0.05)), 1),
                named("adamw gradient scale 1/32", d, 1.0 / 32),
                named("adamw warmup schedule", d.withLearningRate(LearningRateSchedule.warmupPolynomialDecay(0.01, 3, 10, 1, 0)), 1));
    }

    static Stream<Arguments> adamCases() {
        AdamConfig d = AdamConfig.defaults();
        return Stream.of(
                named("adam defaults", d, 1),
                named("adam coupled L2 0.01, excluded bias|gamma", d.withWeightDecay(0.01, List.of("bias", "gamma")), 1),
                named("adam L2 0.1, clip 0.5", d.withWeightDecay(0.1, List.of()).withMaxGradientNorm(0.5), 1),
                named("adam L2 0.01 excluded bias|gamma, overrides out/bias 0.1, dense/W 0",
                        d.withWeightDecay(0.01, List.of("bias", "gamma")).withWeightDecayOverrides(Map.of("out/bias", 0.1, "dense/W", 0.0)), 1),
                named("adam gradient scale 0.1, warmup schedule",
                        d.withLearningRate(LearningRateSchedule.warmupPolynomialDecay(0.01, 3, 10, 1, 0)), 0.1));
    }

    static Stream<Arguments> allCases() {
        return Stream.of(lambCases(), larsCases(), adamWCases(), adamCases()).flatMap(s -> s);
    }

    /** One representative configuration per optimizer, on every memory binding. */
    static Stream<Arguments> bindingCases() {
        List<Arguments> out = new ArrayList<>();
        OptimizerConfig[] configs = {
                LambConfig.builder().learningRate(0.01).weightDecay(0.01).excludeFromWeightDecay(List.of("bias"))
                        .trustRatioClamp(0.1, 2).maxGradientNorm(5).build(),
                LarsConfig.defaults().withWeightDecay(1e-3, List.of("bias")).withMaxGradientNorm(5),
                AdamWConfig.defaults().withWeightDecay(0.05, List.of("bias")),
                AdamConfig.defaults().withWeightDecay(0.01, List.of("bias"))};
        for (Binding binding : List.of(Binding.FLAT_VIEWS, Binding.F_VIEWS, Binding.F_VIEWS_C_GRADIENTS)) {
            for (OptimizerConfig c : configs) {
                out.add(Arguments.of(Named.of(c.name() + " on " + binding, c), 0.5, binding));
            }
        }
        return out.stream();
    }

    private static Arguments named(String name, OptimizerConfig config, double gradientScale) {
        return Arguments.of(Named.of(name, config), gradientScale);
    }

    // ---------------------------------------------------------------- tests

    @ParameterizedTest(name = "{0}, gradient scale {1}")
    @MethodSource("allCases")
    void matchesDoubleReferenceStepByStep(OptimizerConfig config, double gradientScale) {
        compareWithReference(config, gradientScale, Binding.SEPARATE_C);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bindingCases")
    void matchesDoubleReferenceOnViewsOfOneFlatBuffer(OptimizerConfig config, double gradientScale, Binding binding) {
        compareWithReference(config, gradientScale, binding);
    }

    @AfterAll
    static void report() throws IOException {
        StringBuilder sb = new StringBuilder("worst relative error, float32 optimizer vs double reference (" + STEPS + " steps);\n"
                + "plain: max|float - ref| / max|ref|; (scaled): the asserted metric, against the magnitude summed (see Errors)\n");
        WORST.forEach((k, v) -> sb.append(String.format("  %-40s %.3e%n", k, v)));
        System.out.print(sb);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "reference-errors.txt"), sb.toString());
    }

    // ---------------------------------------------------------------- the comparison

    private static void compareWithReference(OptimizerConfig config, double gradientScale, Binding binding) {
        Random rnd = new Random(SEED);
        TensorLayout layout = layout();
        float[][] initial = new float[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            initial[i] = TestTensors.gaussian(rnd, layout.length(i), WEIGHT_SCALE[i]);
        }
        assertThat(initial[ZERO_WEIGHT]).containsOnly(0f);
        Bound params = TestTensors.bindParameters(layout, initial, binding);
        Optimizer optimizer = config.create();
        OptimizerState state = optimizer.init(layout);
        ReferenceOptimizer ref = ReferenceOptimizer.of(config, NAMES, memoryOrder(params.tensors(), params.tensors()));
        boolean adaptive = config instanceof LambConfig || config instanceof LarsConfig;
        String opt = config.name();
        Errors errors = new Errors(opt);
        for (int step = 0; step < STEPS; step++) {
            float[][] g = new float[NAMES.length][];
            for (int i = 0; i < NAMES.length; i++) {
                g[i] = TestTensors.gaussian(rnd, layout.length(i), GRADIENT_SCALE[i]);
            }
            NamedTensors grads = TestTensors.bindGradients(layout, g, binding).tensors();
            float[][] refGrads = memoryOrder(grads, params.tensors());

            StepResult result = optimizer.step(params.tensors(), grads, gradientScale, state);
            ReferenceOptimizer.Step expected = ref.step(refGrads, gradientScale);

            String where = "step " + (step + 1);
            assertThat(result.step()).as(where).isEqualTo(expected.t());
            assertThat(state.step()).as(where).isEqualTo(expected.t());
            assertThat(result.learningRate()).as(where + " learning rate").isEqualTo(expected.learningRate());
            assertThat(result.layout()).isEqualTo(layout);
            errors.scalar("gradient norm", where, result.gradientNorm(), expected.gradientNorm(), 1);
            errors.scalar("clip scale", where, result.clipScale(), expected.clipScale(), 1);
            for (int i = 0; i < NAMES.length; i++) {
                String at = where + ", tensor '" + NAMES[i] + "'";
                errors.tensor("parameters", at, TestTensors.elements(params.tensors().get(i)), ref.w[i], ref.w[i]);
                if (params.flat() != null) {
                    errors.tensor("parameters", at + " (flat buffer)", TestTensors.segment(params.flat(), layout, i), ref.w[i], ref.w[i]);
                }
                errors.tensor(config instanceof LarsConfig ? "momentum" : "first moment", at, state.firstMoment(i), ref.m[i], ref.mAbs[i]);
                if (config instanceof LarsConfig) {
                    assertThat(state.hasSecondMoment()).isFalse();
                } else {
                    errors.tensor("second moment", at, state.secondMoment(i), ref.v[i], ref.v[i]);
                }
                if (adaptive) {
                    errors.scalar("trust ratio", at, result.trustRatios()[i], expected.trustRatios()[i], expected.ratioConditions()[i]);
                } else {
                    assertThat(result.trustRatios()[i]).as(at + " trust ratio").isEqualTo(1.0);
                }
            }
            assertThat(TestTensors.elements(grads.get(ZERO_GRADIENT))).containsOnly(0f);
        }
        errors.assertAllWithinTolerance();
    }

    /**
     * The worst error of each quantity over a run, with where it happened. A tensor's error is
     * {@code max|float - ref| / max(max|ref|, max|scale|)}, where {@code scale} is the magnitude the float32 value was
     * summed from (the reference values themselves, or for moments the same average over absolute values, which differs
     * only where the average cancels); a scalar's is {@code |float - ref| / |ref| / condition}.
     */
    private static final class Errors {
        private final String optimizer;
        private final Map<String, Double> worst = new TreeMap<>();
        private final Map<String, String> worstAt = new TreeMap<>();

        Errors(String optimizer) {
            this.optimizer = optimizer;
        }

        void tensor(String quantity, String where, float[] actual, double[] expected, double[] scale) {
            assertThat(actual).as(where + " " + quantity + " length").hasSize(expected.length);
            double maxRef = 0;
            double maxScale = 0;
            double maxDiff = 0;
            for (int j = 0; j < expected.length; j++) {
                maxRef = Math.max(maxRef, Math.abs(expected[j]));
                maxScale = Math.max(maxScale, Math.abs(scale[j]));
                double d = Math.abs(actual[j] - expected[j]);
                maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, d);
            }
            // Raw metric (relative to the largest reference element), reported for the record.
            double scaled = maxDiff / Math.max(Math.max(maxRef, maxScale), 1e-30);
            record(optimizer + " " + quantity, maxDiff / Math.max(maxRef, 1e-30));
            record(optimizer + " " + quantity + " (scaled)", scaled);
            note(quantity, where, scaled);
        }

        void scalar(String quantity, String where, double actual, double expected, double condition) {
            double relative = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-30);
            if (Double.isNaN(relative)) {
                relative = Double.POSITIVE_INFINITY;
            }
            record(optimizer + " " + quantity, relative);
            record(optimizer + " " + quantity + " (scaled)", relative / condition);
            note(quantity, where + " (" + actual + " vs reference " + expected + ", condition " + condition + ")", relative / condition);
        }

        private void note(String quantity, String where, double error) {
            if (!worst.containsKey(quantity) || error > worst.get(quantity)) {
                worst.put(quantity, error);
                worstAt.put(quantity, where);
            }
        }

        void assertAllWithinTolerance() {
            SoftAssertions softly = new SoftAssertions();
            worst.forEach((q, e) -> softly.assertThat(e).as("%s %s, worst at %s", optimizer, q, worstAt.get(q))
                    .isLessThanOrEqualTo(TOLERANCE));
            softly.assertAll();
        }
    }

    /** Each tensor of {@code t}, in the memory order of the corresponding parameter array. */
    private static float[][] memoryOrder(NamedTensors t, NamedTensors params) {
        float[][] out = new float[t.size()][];
        for (int i = 0; i < t.size(); i++) {
            out[i] = TestTensors.elements(t.get(i), params.get(i).ordering());
        }
        return out;
    }

    private static synchronized void record(String key, double relative) {
        WORST.merge(key, Double.isNaN(relative) ? Double.POSITIVE_INFINITY : relative, Math::max);
    }
}
