package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every hyperparameter out of range is rejected when the config is built, with a message naming it and its value. */
class ConfigValidationTest {

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final LearningRateSchedule LR = LearningRateSchedule.constant(1e-3);

    static Stream<Arguments> invalidHyperparameters() {
        List<Arguments> cases = new ArrayList<>();
        for (double bad : new double[] {-0.1, 1.0, 1.5, NAN, INF}) {
            add(cases, "lamb beta1", () -> LambConfig.builder().beta1(bad).build(), "beta1", bad);
            add(cases, "lamb beta2", () -> LambConfig.builder().beta2(bad).build(), "beta2", bad);
            add(cases, "adamw beta1", () -> new AdamWConfig(LR, bad, 0.999, 1e-8, 0.01, List.of(), OptionalDouble.empty()), "beta1", bad);
            add(cases, "adamw beta2", () -> new AdamWConfig(LR, 0.9, bad, 1e-8, 0.01, List.of(), OptionalDouble.empty()), "beta2", bad);
            add(cases, "adam beta1", () -> new AdamConfig(LR, bad, 0.999, 1e-8, 0, List.of(), OptionalDouble.empty()), "beta1", bad);
            add(cases, "adam beta2", () -> new AdamConfig(LR, 0.9, bad, 1e-8, 0, List.of(), OptionalDouble.empty()), "beta2", bad);
            add(cases, "lars momentum", () -> new LarsConfig(LR, bad, 1, 0, List.of(), Optional.empty(), Optional.empty(),
                    OptionalDouble.empty()), "momentum", bad);
        }
        for (double bad : new double[] {0.0, -1e-8, NAN, INF}) {
            add(cases, "lamb epsilon", () -> LambConfig.builder().epsilon(bad).build(), "epsilon", bad);
            add(cases, "adamw epsilon", () -> new AdamWConfig(LR, 0.9, 0.999, bad, 0.01, List.of(), OptionalDouble.empty()), "epsilon", bad);
            add(cases, "adam epsilon", () -> new AdamConfig(LR, 0.9, 0.999, bad, 0, List.of(), OptionalDouble.empty()), "epsilon", bad);
            add(cases, "lars trust coefficient", () -> LarsConfig.defaults().withTrustCoefficient(bad), "trustCoefficient", bad);
            add(cases, "lamb max gradient norm", () -> LambConfig.builder().maxGradientNorm(bad).build(), "maxGradientNorm", bad);
            add(cases, "lars max gradient norm", () -> LarsConfig.defaults().withMaxGradientNorm(bad), "maxGradientNorm", bad);
            add(cases, "adamw max gradient norm", () -> AdamWConfig.defaults().withMaxGradientNorm(bad), "maxGradientNorm", bad);
            add(cases, "adam max gradient norm", () -> AdamConfig.defaults().withMaxGradientNorm(bad), "maxGradientNorm", bad);
        }
        for (double bad : new double[] {-1e-3, NAN, INF}) {
            add(cases, "lamb learning rate", () -> LambConfig.builder().learningRate(bad).build(), "learning rate", bad);
            add(cases, "constant schedule", () -> LearningRateSchedule.constant(bad), "learning rate", bad);
            add(cases, "lamb weight decay", () -> LambConfig.builder().weightDecay(bad).build(), "weightDecay", bad);
            add(cases, "lars weight decay", () -> LarsConfig.defaults().withWeightDecay(bad, List.of()), "weightDecay", bad);
            add(cases, "adamw weight decay", () -> AdamWConfig.defaults().withWeightDecay(bad, List.of()), "weightDecay", bad);
            add(cases, "adam weight decay", () -> AdamConfig.defaults().withWeightDecay(bad, List.of()), "weightDecay", bad);
            add(cases, "lamb clamp min", () -> LambConfig.builder().trustRatioClamp(bad, 10).build(), "trust ratio clamp min", bad);
            add(cases, "lars clamp min", () -> LarsConfig.defaults().withTrustRatioClamp(bad, 10), "trust ratio clamp min", bad);
        }
        for (double bad : new double[] {0.0, -1.0, NAN, INF}) {
            add(cases, "lamb clamp max", () -> LambConfig.builder().trustRatioClamp(0, bad).build(), "trust ratio clamp max", bad);
        }
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String what, ThrowingCallable build, String name, double value) {
        cases.add(Arguments.of(Named.of(what + " = " + value, build), name, String.valueOf(value)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidHyperparameters")
    void outOfRangeValueIsRejectedNamingParameterAndValue(ThrowingCallable build, String name, String value) {
        assertThatThrownBy(build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name).hasMessageContaining("got " + value);
    }

    static Stream<Arguments> invalidRegexes() {
        String bad = "dense[0-";
        return Stream.of(
                Arguments.of(Named.of("lamb excludeFromWeightDecay",
                        (ThrowingCallable) () -> LambConfig.builder().excludeFromWeightDecay(List.of("bias", bad)).build()),
                        "excludeFromWeightDecay", bad),
                Arguments.of(Named.of("lamb excludeFromLayerAdaptation",
                        (ThrowingCallable) () -> LambConfig.builder().excludeFromLayerAdaptation(List.of(bad)).build()),
                        "excludeFromLayerAdaptation", bad),
                Arguments.of(Named.of("lars excludeFromWeightDecay",
                        (ThrowingCallable) () -> LarsConfig.defaults().withWeightDecay(1e-3, List.of(bad))), "excludeFromWeightDecay", bad),
                Arguments.of(Named.of("lars excludeFromLayerAdaptation",
                        (ThrowingCallable) () -> new LarsConfig(LR, 0.9, 1, 0, List.of(), Optional.of(List.of("(unclosed")), Optional.empty(),
                                OptionalDouble.empty())), "excludeFromLayerAdaptation", "(unclosed"),
                Arguments.of(Named.of("adamw excludeFromWeightDecay",
                        (ThrowingCallable) () -> AdamWConfig.defaults().withWeightDecay(0.01, List.of("*bias"))), "excludeFromWeightDecay",
                        "*bias"),
                Arguments.of(Named.of("adam excludeFromWeightDecay",
                        (ThrowingCallable) () -> AdamConfig.defaults().withWeightDecay(0.01, List.of(bad))), "excludeFromWeightDecay", bad),
                Arguments.of(Named.of("lamb null regex",
                        (ThrowingCallable) () -> LambConfig.builder().excludeFromWeightDecay(Arrays.asList("bias", null)).build()),
                        "excludeFromWeightDecay", "null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRegexes")
    void invalidRegexIsRejectedNamingOptionAndRegex(ThrowingCallable build, String option, String regex) {
        assertThatThrownBy(build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(option).hasMessageContaining(regex);
    }

    @Test
    void clampMinAboveMaxIsRejectedNamingBoth() {
        assertThatThrownBy(() -> LambConfig.builder().trustRatioClamp(2, 1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("min (2.0)").hasMessageContaining("max (1.0)");
        assertThatThrownBy(() -> LarsConfig.defaults().withTrustRatioClamp(10, 0.01)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("min (10.0)").hasMessageContaining("max (0.01)");
    }

    @Test
    void boundaryValuesAreAccepted() {
        assertThatCode(() -> LambConfig.builder().beta1(0).beta2(0).weightDecay(0).learningRate(0).trustRatioClamp(0, 1e-9)
                .maxGradientNorm(Double.MIN_VALUE).build()).doesNotThrowAnyException();
        assertThatCode(() -> LambConfig.builder().trustRatioClamp(1, 1).beta1(Math.nextDown(1.0)).build()).doesNotThrowAnyException();
        assertThatCode(() -> new LarsConfig(LR, 0, Double.MIN_VALUE, 0, List.of(), Optional.of(List.of()), Optional.empty(),
                OptionalDouble.empty())).doesNotThrowAnyException();
    }

    @Test
    void defaultsAreTheDocumentedConstants() {
        LambConfig lamb = LambConfig.defaults();
        assertThat(lamb.learningRate().rate(0)).isEqualTo(1e-3);
        assertThat(lamb.beta1()).isEqualTo(0.9);
        assertThat(lamb.beta2()).isEqualTo(0.999);
        assertThat(lamb.epsilon()).isEqualTo(1e-6);
        assertThat(lamb.weightDecay()).isZero();
        assertThat(lamb.biasCorrection()).isTrue();
        assertThat(lamb.trustRatioClamp()).isEmpty();
        assertThat(lamb.maxGradientNorm()).isEmpty();
        assertThat(lamb.excludeFromLayerAdaptation()).isEmpty();
        assertThat(LambConfig.builder().excludeFromWeightDecay(List.of("bias")).build().effectiveLayerAdaptationExclusions())
                .containsExactly("bias");
        assertThat(lamb.name()).isEqualTo("lamb");
        assertThat(LarsConfig.defaults().name()).isEqualTo("lars");
        assertThat(AdamWConfig.defaults().name()).isEqualTo("adamw");
        assertThat(AdamConfig.defaults().name()).isEqualTo("adam");
        assertThat(AdamWConfig.defaults().weightDecay()).isEqualTo(0.01);
        assertThat(AdamWConfig.defaults().epsilon()).isEqualTo(1e-8);
    }

    @Test
    void exclusionListsAreCopiedSoLaterChangesDoNotLeakIn() {
        List<String> regexes = new ArrayList<>(List.of("bias"));
        LambConfig c = LambConfig.builder().excludeFromWeightDecay(regexes).build();
        regexes.add("W");
        assertThat(c.excludeFromWeightDecay()).containsExactly("bias");
    }
}
