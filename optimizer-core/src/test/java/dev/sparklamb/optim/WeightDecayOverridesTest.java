package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-tensor weight-decay overrides ({@link OptimizerConfig#weightDecayOverrides()}): they are the same data as the
 * coefficient and exclusion regexes (bitwise), act on their tensor only, leave layer adaptation alone, and are refused
 * with a message naming the tensor when the layout lacks it. Their values are checked against the double-precision
 * reference in {@link ReferenceComparisonTest}, and the sharded driver against the local one in {@link ShardedStepTest}.
 */
class WeightDecayOverridesTest {

    static final String[] NAMES = {"dense/W", "dense/b", "out/W", "out/b", "ln/gamma"};
    static final long[][] SHAPES = {{6, 4}, {4}, {4, 3}, {3}, {4}};
    static final List<String> EXCLUDED = List.of("/b$", "gamma");
    static final LearningRateSchedule LR = LearningRateSchedule.constant(0.01);

    /** Builds a config of one optimizer from weight decay, its exclusions and overrides; layer adaptation fixed. */
    interface Factory {
        OptimizerConfig make(double weightDecay, List<String> exclude, Map<String, Double> overrides);
    }

    static Stream<Arguments> factories() {
        Factory lamb = (wd, ex, o) -> LambConfig.builder().learningRate(LR).weightDecay(wd).excludeFromWeightDecay(ex)
                .excludeFromLayerAdaptation(EXCLUDED).weightDecayOverrides(o).build();
        Factory lars = (wd, ex, o) -> new LarsConfig(LR, 0.9, 1.0, wd, ex, Optional.of(EXCLUDED), Optional.empty(),
                OptionalDouble.empty(), o);
        Factory adamw = (wd, ex, o) -> new AdamWConfig(LR, 0.9, 0.999, 1e-8, wd, ex, OptionalDouble.empty(), o);
        Factory adam = (wd, ex, o) -> new AdamConfig(LR, 0.9, 0.999, 1e-8, wd, ex, OptionalDouble.empty(), o);
        return Stream.of(Arguments.of(Named.of("lamb", lamb)), Arguments.of(Named.of("lars", lars)),
                Arguments.of(Named.of("adamw", adamw)), Arguments.of(Named.of("adam", adam)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void overridesEqualToTheRegexResultGiveBitwiseTheSameSteps(Factory factory) {
        OptimizerConfig byRegex = factory.make(0.01, EXCLUDED, Map.of());
        OptimizerConfig byName = factory.make(0.0, List.of(), Map.of("dense/W", 0.01, "out/W", 0.01));
        Run a = run(byRegex, 5);
        Run b = run(byName, 5);
        TestTensors.assertBitwiseEqual(b.params, a.params);
        assertThat(b.state).isEqualTo(a.state);
        for (int s = 0; s < a.results.size(); s++) {
            assertThat(b.results.get(s).trustRatios()).containsExactly(a.results.get(s).trustRatios());
        }
        // Not vacuous: without any decay the same run ends elsewhere.
        Run none = run(factory.make(0.0, List.of(), Map.of()), 5);
        assertThat(TestTensors.bits(TestTensors.elements(none.params.get(0))))
                .isNotEqualTo(TestTensors.bits(TestTensors.elements(a.params.get(0))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void anOverrideChangesItsTensorAndNoOther(Factory factory) {
        Run plain = run(factory.make(0.01, EXCLUDED, Map.of()), 1);
        Run overridden = run(factory.make(0.01, EXCLUDED, Map.of("out/W", 0.5, "dense/b", 0.2)), 1);
        for (int i = 0; i < NAMES.length; i++) {
            int[] p = TestTensors.bits(TestTensors.elements(plain.params.get(i)));
            int[] o = TestTensors.bits(TestTensors.elements(overridden.params.get(i)));
            if (NAMES[i].equals("out/W") || NAMES[i].equals("dense/b")) {
                assertThat(o).as(NAMES[i] + " is overridden").isNotEqualTo(p);
            } else {
                assertThat(o).as(NAMES[i] + " is not overridden").isEqualTo(p);
            }
        }
    }

    @Test
    void overridesDoNotChangeLayerAdaptation() {
        // LAMB's layer-adaptation exclusions default to the weight-decay regexes; an override does not alter them.
        OptimizerConfig config = LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(List.of("/b$"))
                .weightDecayOverrides(Map.of("dense/b", 0.1)).build();
        StepResult r = run(config, 1).results.get(0);
        assertThat(r.adapted()).containsExactly(true, false, true, false, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void aNameNotInTheLayoutIsRefusedNamingTheTensorByBothDrivers(Factory factory) {
        OptimizerConfig config = factory.make(0.01, EXCLUDED, Map.of("dense/W", 0.1, "dense/kernel", 0.2));
        Random rnd = new Random(3);
        NamedTensors params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        TensorLayout layout = params.layout();
        assertThatThrownBy(() -> config.create().init(layout)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weightDecayOverrides").hasMessageContaining("'dense/kernel'").hasMessageContaining("not in the layout")
                .hasMessageContaining("'dense/W', 'dense/b'");
        OptimizerState state = factory.make(0.01, EXCLUDED, Map.of()).create().init(layout);
        NamedTensors before = TestTensors.copyOf(params);
        assertThatThrownBy(() -> config.create().step(params, TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.1), state))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'dense/kernel'");
        TestTensors.assertBitwiseEqual(params, before);
        assertThat(state.step()).isZero();
        assertThatThrownBy(() -> ShardedStep.of(config.create(), ShardPlan.of(layout, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'dense/kernel'");
    }

    @Test
    void invalidOverridesAreRefusedWhenTheConfigIsBuiltNamingTheTensor() {
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> AdamWConfig.defaults().withWeightDecayOverrides(Map.of("out/W", bad)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weightDecayOverrides['out/W']")
                    .hasMessageContaining(">= 0").hasMessageContaining(String.valueOf(bad));
            assertThatThrownBy(() -> LambConfig.builder().weightDecayOverrides(Map.of("out/W", bad)).build())
                    .hasMessageContaining("weightDecayOverrides['out/W']");
            assertThatThrownBy(() -> LarsConfig.defaults().withWeightDecayOverrides(Map.of("out/W", bad)))
                    .hasMessageContaining("weightDecayOverrides['out/W']");
            assertThatThrownBy(() -> AdamConfig.defaults().withWeightDecayOverrides(Map.of("out/W", bad)))
                    .hasMessageContaining("weightDecayOverrides['out/W']");
        }
        Map<String, Double> nullValue = new HashMap<>();
        nullValue.put("out/W", null);
        assertThatThrownBy(() -> AdamWConfig.defaults().withWeightDecayOverrides(nullValue)).hasMessageContaining("'out/W'")
                .hasMessageContaining("null");
        Map<String, Double> nullName = new HashMap<>();
        nullName.put(null, 0.1);
        assertThatThrownBy(() -> AdamWConfig.defaults().withWeightDecayOverrides(nullName)).hasMessageContaining("null tensor name");
        assertThatThrownBy(() -> AdamWConfig.defaults().withWeightDecayOverrides(Map.of("", 0.1))).hasMessageContaining("empty tensor name");
    }

    @Test
    void overridesSurviveTheOtherWithMethodsAndAreCopied() {
        Map<String, Double> source = new HashMap<>(Map.of("out/W", 0.5));
        AdamWConfig adamw = AdamWConfig.defaults().withWeightDecayOverrides(source);
        source.put("dense/W", 0.1);
        assertThat(adamw.weightDecayOverrides()).isEqualTo(Map.of("out/W", 0.5));
        assertThat(adamw.withLearningRate(LR).withMaxGradientNorm(1).withWeightDecay(0.1, List.of("b")).weightDecayOverrides())
                .isEqualTo(Map.of("out/W", 0.5));
        assertThat(AdamConfig.defaults().withWeightDecayOverrides(Map.of("x", 0.1)).withLearningRate(LR).withMaxGradientNorm(1)
                .withWeightDecay(0.1, List.of()).weightDecayOverrides()).isEqualTo(Map.of("x", 0.1));
        assertThat(LarsConfig.defaults().withWeightDecayOverrides(Map.of("x", 0.1)).withLearningRate(LR).withMaxGradientNorm(1)
                .withWeightDecay(0.1, List.of()).withTrustCoefficient(0.5).withTrustRatioClamp(0.1, 2).weightDecayOverrides())
                .isEqualTo(Map.of("x", 0.1));
        assertThat(LambConfig.builder().weightDecayOverrides(Map.of("x", 0.1)).build().withLearningRate(LR).weightDecayOverrides())
                .isEqualTo(Map.of("x", 0.1));
        assertThat(LambConfig.defaults().weightDecayOverrides()).isEmpty();
        assertThatThrownBy(() -> adamw.weightDecayOverrides().put("y", 1.0)).isInstanceOf(UnsupportedOperationException.class);
    }

    private record Run(NamedTensors params, OptimizerState state, List<StepResult> results) {
    }

    /** {@code steps} steps from the same seeded parameters and gradients. */
    private static Run run(OptimizerConfig config, int steps) {
        Random rnd = new Random(11);
        NamedTensors params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        Optimizer optimizer = config.create();
        OptimizerState state = optimizer.init(params.layout());
        List<StepResult> results = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            results.add(optimizer.step(params, TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.1), 0.5, state));
        }
        return new Run(params, state, results);
    }
}
