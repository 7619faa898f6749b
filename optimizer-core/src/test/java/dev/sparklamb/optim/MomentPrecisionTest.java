package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sparklamb.optim.schedule.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * After one step from zero moments with gradient 1, a moment equals its {@code 1 - beta} (TF Addons, Adam:
 * {@code m = b1 m + (1 - b1) g}). The weight {@code 1 - beta} must be {@code 1 - beta} rounded once to float32; computing
 * it as {@code 1f - (float) beta} subtracts a rounded beta and loses most of the digits when beta is near 1
 * (0.999f gives 9.99987e-4, 1.3e-5 off; 0.99999f gives 1.0014e-5, 1.4e-3 off).
 */
class MomentPrecisionTest {

    static Stream<Arguments> cases() {
        LearningRateSchedule lr = LearningRateSchedule.constant(1e-3);
        return Stream.of(
                Arguments.of(Named.of("lamb beta2 0.999 (default)", LambConfig.defaults()), 2, 1 - 0.999),
                Arguments.of(Named.of("lamb beta2 0.99999", LambConfig.builder().beta2(0.99999).build()), 2, 1 - 0.99999),
                Arguments.of(Named.of("lamb beta1 0.999", LambConfig.builder().beta1(0.999).build()), 1, 1 - 0.999),
                Arguments.of(Named.of("adamw beta2 0.999 (default)", AdamWConfig.defaults()), 2, 1 - 0.999),
                Arguments.of(Named.of("adam beta2 0.99999",
                        new AdamConfig(lr, 0.9, 0.99999, 1e-8, 0, List.of(), OptionalDouble.empty())), 2, 1 - 0.99999),
                Arguments.of(Named.of("lars momentum 0.9999",
                        new LarsConfig(lr, 0.9999, 1.0, 0, List.of(), Optional.empty(), Optional.empty(), OptionalDouble.empty())), 1,
                        1 - 0.9999));
    }

    @ParameterizedTest(name = "{0}: moment {1} after one step is 1 - beta = {2}")
    @MethodSource("cases")
    void firstStepMomentIsOneMinusBetaToFloatPrecision(OptimizerConfig config, int moment, double expected) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("w", Nd4j.create(new float[] {1, 1, 1}, new long[] {3}, 'c'));
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("w", Nd4j.create(new float[] {1, 1, 1}, new long[] {3}, 'c'));
        NamedTensors params = NamedTensors.of(p);
        Optimizer optimizer = config.create();
        OptimizerState state = optimizer.init(params.layout());

        optimizer.step(params, NamedTensors.of(g), state);

        float[] actual = moment == 1 ? state.firstMoment(0) : state.secondMoment(0);
        // (float) expected is within half an ulp (6e-8 relative); allow 1e-6.
        assertThat((double) actual[0]).as("%s moment %d", config.name(), moment).isCloseTo(expected, within(1e-6 * expected));
    }
}
