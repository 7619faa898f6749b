package dev.sparklamb.optim.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Schedules against numbers worked by hand from their documented formulas. */
class LearningRateScheduleTest {

    private static final double EXACT = 1e-15;

    @Test
    void warmupThenQuadraticDecayMatchesHandComputedValues() {
        // peak 0.1, 4 warmup steps, 12 total, power 2, end 0.01
        LearningRateSchedule s = LearningRateSchedule.warmupPolynomialDecay(0.1, 4, 12, 2, 0.01);
        // warmup: peak * (step + 1) / 4
        assertThat(s.rate(0)).isCloseTo(0.025, within(EXACT));
        assertThat(s.rate(1)).isCloseTo(0.05, within(EXACT));
        assertThat(s.rate(2)).isCloseTo(0.075, within(EXACT));
        assertThat(s.rate(3)).isCloseTo(0.1, within(EXACT));
        // decay: (0.1 - 0.01) * (1 - (step - 4) / 8)^2 + 0.01
        assertThat(s.rate(4)).isCloseTo(0.1, within(EXACT));
        assertThat(s.rate(5)).isCloseTo(0.09 * 0.765625 + 0.01, within(EXACT)); // (7/8)^2
        assertThat(s.rate(8)).isCloseTo(0.09 * 0.25 + 0.01, within(EXACT));
        assertThat(s.rate(11)).isCloseTo(0.09 / 64 + 0.01, within(EXACT));
        assertThat(s.rate(12)).isCloseTo(0.01, within(EXACT));
        assertThat(s.rate(1_000_000)).isCloseTo(0.01, within(EXACT));
    }

    @Test
    void linearDecayWithoutWarmupStartsAtThePeak() {
        LearningRateSchedule s = new WarmupPolynomialDecay(1.0, 0, 10, 1, 0);
        for (int step = 0; step <= 10; step++) {
            assertThat(s.rate(step)).as("step %d", step).isCloseTo(1.0 - step / 10.0, within(EXACT));
        }
    }

    @Test
    void powerZeroHoldsThePeakDuringDecay() {
        LearningRateSchedule s = new WarmupPolynomialDecay(0.5, 2, 10, 0, 0.1);
        assertThat(s.rate(0)).isCloseTo(0.25, within(EXACT));
        for (int step = 1; step < 10; step++) {
            assertThat(s.rate(step)).as("step %d", step).isCloseTo(0.5, within(EXACT));
        }
    }

    @Test
    void warmupOverAllStepsEndsAtEnd() {
        LearningRateSchedule s = new WarmupPolynomialDecay(0.3, 3, 3, 1, 0.05);
        assertThat(s.rate(0)).isCloseTo(0.1, within(EXACT));
        assertThat(s.rate(2)).isCloseTo(0.3, within(EXACT));
        assertThat(s.rate(3)).isCloseTo(0.05, within(EXACT));
        assertThat(s.rate(50)).isCloseTo(0.05, within(EXACT));
    }

    @Test
    void twoStageScheduleRestartsWarmupAtTheBoundary() {
        LearningRateSchedule first = LearningRateSchedule.warmupPolynomialDecay(0.01, 2, 6, 1, 0.001);
        LearningRateSchedule second = LearningRateSchedule.warmupPolynomialDecay(0.004, 3, 10, 1, 0);
        TwoStageSchedule s = new TwoStageSchedule(first, 6, second);
        assertThat(s.rate(0)).isCloseTo(0.005, within(EXACT));
        assertThat(s.rate(1)).isCloseTo(0.01, within(EXACT));
        assertThat(s.rate(5)).isCloseTo(0.009 * 0.25 + 0.001, within(EXACT)); // p = 3/4
        // stage 2 starts its own warmup from step 0 again: 0.004 * 1/3, 2/3, 3/3
        assertThat(s.rate(6)).isCloseTo(0.004 / 3, within(EXACT));
        assertThat(s.rate(7)).isCloseTo(0.008 / 3, within(EXACT));
        assertThat(s.rate(8)).isCloseTo(0.004, within(EXACT));
        assertThat(s.rate(6)).isLessThan(s.rate(5));
        assertThat(s.rate(16)).isCloseTo(0.0, within(EXACT));
        assertThat(s.inSecondStage(5)).isFalse();
        assertThat(s.inSecondStage(6)).isTrue();
    }

    @Test
    void sqrtScalingMultipliesBySquareRootOfBatchRatio() {
        assertThat(LearningRateSchedule.sqrtScaled(0.001, 256, 1024)).isCloseTo(0.002, within(EXACT));
        assertThat(LearningRateSchedule.sqrtScaled(0.002, 512, 32768)).isCloseTo(0.016, within(EXACT));
        assertThat(LearningRateSchedule.sqrtScaled(0.003, 4096, 4096)).isEqualTo(0.003);
        assertThat(LearningRateSchedule.sqrtScaled(0.004, 1024, 256)).isCloseTo(0.002, within(EXACT));
        assertThat(LearningRateSchedule.sqrtScaled(0.01, 1000, 3000)).isCloseTo(0.01 * Math.sqrt(3), within(EXACT));
        assertThat(LearningRateSchedule.linearScaled(0.001, 256, 1024)).isCloseTo(0.004, within(EXACT));
        assertThat(LearningRateSchedule.linearScaled(0.01, 512, 16384)).isCloseTo(0.32, within(EXACT));
        assertThat(LearningRateSchedule.linearScaled(0.003, 4096, 4096)).isEqualTo(0.003);
        assertThat(LearningRateSchedule.linearScaled(0.004, 1024, 256)).isCloseTo(0.001, within(EXACT));
    }

    @Test
    void constantScheduleIsConstant() {
        LearningRateSchedule s = LearningRateSchedule.constant(0.25);
        assertThat(s.rate(0)).isEqualTo(0.25);
        assertThat(s.rate(123_456_789)).isEqualTo(0.25);
    }

    @Test
    void invalidArgumentsAreRejectedWithTheirValues() {
        expect(() -> new WarmupPolynomialDecay(-0.1, 1, 10, 1, 0), "peak", "-0.1");
        expect(() -> new WarmupPolynomialDecay(Double.NaN, 1, 10, 1, 0), "peak", "NaN");
        expect(() -> new WarmupPolynomialDecay(Double.POSITIVE_INFINITY, 1, 10, 1, 0), "peak", "Infinity");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, 1, -1), "end", "-1.0");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, 1, Double.NaN), "end", "NaN");
        expect(() -> new WarmupPolynomialDecay(0.1, -1, 10, 1, 0), "warmupSteps", "-1");
        expect(() -> new WarmupPolynomialDecay(0.1, 0, 0, 1, 0), "totalSteps", "0");
        expect(() -> new WarmupPolynomialDecay(0.1, 11, 10, 1, 0), "warmupSteps (11)", "totalSteps (10)");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, -1, 0), "power", "-1.0");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, Double.NaN, 0), "power", "NaN");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, Double.POSITIVE_INFINITY, 0), "power", "Infinity");
        expect(() -> new WarmupPolynomialDecay(0.1, 1, 10, 1, 0).rate(-1), "step", "-1");
        expect(() -> new TwoStageSchedule(LearningRateSchedule.constant(1), -5, LearningRateSchedule.constant(1)), "firstStageSteps", "-5");
        expect(() -> new TwoStageSchedule(LearningRateSchedule.constant(1), 5, LearningRateSchedule.constant(1)).rate(-2), "step", "-2");
        expect(() -> LearningRateSchedule.sqrtScaled(-0.1, 256, 1024), "baseRate", "-0.1");
        expect(() -> LearningRateSchedule.sqrtScaled(Double.NaN, 256, 1024), "baseRate", "NaN");
        expect(() -> LearningRateSchedule.sqrtScaled(0.1, 0, 1024), "batch sizes", "0");
        expect(() -> LearningRateSchedule.sqrtScaled(0.1, 256, -4), "batch sizes", "-4");
        expect(() -> LearningRateSchedule.linearScaled(Double.POSITIVE_INFINITY, 256, 1024), "baseRate", "Infinity");
        expect(() -> LearningRateSchedule.linearScaled(0.1, -1, 1024), "batch sizes", "-1");
        expect(() -> LearningRateSchedule.constant(-1), "learning rate", "-1.0");
        assertThatThrownBy(() -> new TwoStageSchedule(null, 5, LearningRateSchedule.constant(1)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("firstStage");
        assertThatThrownBy(() -> new TwoStageSchedule(LearningRateSchedule.constant(1), 5, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("secondStage");
    }

    /** The optimizer asks the schedule for {@code rate(s)} with the 0-based index s of the step it takes. */
    @Test
    void optimizerUsesTheRateOfTheZeroBasedStepIndex() {
        List<Long> asked = new ArrayList<>();
        LearningRateSchedule recording = step -> {
            asked.add(step);
            return 0.001 * (step + 1);
        };
        Optimizer lamb = LambConfig.builder().learningRate(recording).build().create();
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("w", Nd4j.create(new float[] {1, 2}, new long[] {2}, 'c'));
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("w", Nd4j.create(new float[] {0.1f, 0.2f}, new long[] {2}, 'c'));
        NamedTensors params = NamedTensors.of(p);
        OptimizerState state = lamb.init(params.layout());
        for (int s = 0; s < 4; s++) {
            StepResult r = lamb.step(params, NamedTensors.of(g), state);
            assertThat(r.step()).isEqualTo(s + 1);
            assertThat(r.learningRate()).isEqualTo(0.001 * (s + 1));
        }
        assertThat(asked).containsExactly(0L, 1L, 2L, 3L);
    }

    private static void expect(ThrowingCallable call, String... fragments) {
        var thrown = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }
}
