package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A step with bad input throws and changes nothing: parameters and optimizer state stay bitwise as before
 * ({@link Optimizer}: "a step either fully succeeds or changes nothing").
 */
class StepInputValidationTest {

    private static final String[] NAMES = {"dense/W", "dense/b", "bn/gamma"};
    private static final long[][] SHAPES = {{4, 3}, {3}, {}};

    /** Parameters and state after two good steps, plus the means to build gradients. */
    static final class Fixture {
        final OptimizerConfig config;
        final Optimizer optimizer;
        final NamedTensors params;
        final OptimizerState state;
        final Random rnd = new Random(5);

        Fixture(OptimizerConfig config) {
            this.config = config;
            this.optimizer = config.create();
            this.params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
            this.state = optimizer.init(params.layout());
            for (int s = 0; s < 2; s++) {
                optimizer.step(params, goodGradients(), state);
            }
        }

        NamedTensors goodGradients() {
            return TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.5);
        }

        Map<String, INDArray> goodGradientMap() {
            NamedTensors g = goodGradients();
            Map<String, INDArray> m = new LinkedHashMap<>();
            for (int i = 0; i < g.size(); i++) {
                m.put(g.layout().name(i), g.get(i));
            }
            return m;
        }

        /** Good gradients with element {@code index} (memory order) of tensor {@code name} set to {@code value}. */
        NamedTensors gradientsWith(String name, long index, float value) {
            Map<String, INDArray> m = goodGradientMap();
            INDArray a = m.get(name);
            if (a.rank() == 0) {
                m.put(name, Nd4j.scalar(value));
            } else {
                a.putScalar(index, value);
            }
            return NamedTensors.of(m);
        }

        ThrowingCallable step(NamedTensors grads) {
            return () -> optimizer.step(params, grads, state);
        }

        ThrowingCallable step(NamedTensors grads, double scale) {
            return () -> optimizer.step(params, grads, scale, state);
        }

        ThrowingCallable step(NamedTensors p, NamedTensors grads) {
            return () -> optimizer.step(p, grads, state);
        }
    }

    record BadInput(String name, Function<Fixture, ThrowingCallable> action, Class<? extends Throwable> type, String... fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BadInput> badInputs() {
        List<BadInput> bad = new ArrayList<>();
        bad.add(new BadInput("gradient with a mismatching tensor name", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            Map<String, INDArray> renamed = new LinkedHashMap<>();
            m.forEach((k, v) -> renamed.put(k.equals("dense/b") ? "dense/bias" : k, v));
            return f.step(NamedTensors.of(renamed));
        }, IllegalArgumentException.class, "'dense/bias'", "'dense/b'"));
        bad.add(new BadInput("gradient tensors in another order", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            Map<String, INDArray> swapped = new LinkedHashMap<>();
            swapped.put("dense/b", m.get("dense/b"));
            swapped.put("dense/W", m.get("dense/W"));
            swapped.put("bn/gamma", m.get("bn/gamma"));
            return f.step(NamedTensors.of(swapped));
        }, IllegalArgumentException.class, "'dense/b'", "'dense/W'"));
        bad.add(new BadInput("gradient missing a tensor", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            m.remove("bn/gamma");
            return f.step(NamedTensors.of(m));
        }, IllegalArgumentException.class, "missing tensor 'bn/gamma'"));
        bad.add(new BadInput("gradient with an extra tensor", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            m.put("head/W", Nd4j.create(new float[] {1, 2}, new long[] {2}, 'c'));
            return f.step(NamedTensors.of(m));
        }, IllegalArgumentException.class, "'head/W'"));
        bad.add(new BadInput("gradient of the wrong shape", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            m.put("dense/W", Nd4j.create(new float[12], new long[] {3, 4}, 'c'));
            return f.step(NamedTensors.of(m));
        }, IllegalArgumentException.class, "'dense/W'", "[3, 4]", "[4, 3]"));
        bad.add(new BadInput("NaN in a 2-D gradient", f -> f.step(f.gradientsWith("dense/W", 7, Float.NaN)),
                InvalidGradientException.class, "'dense/W'", "NaN", "element 7"));
        bad.add(new BadInput("+Inf in the second tensor", f -> f.step(f.gradientsWith("dense/b", 2, Float.POSITIVE_INFINITY)),
                InvalidGradientException.class, "'dense/b'", "Infinity", "element 2"));
        bad.add(new BadInput("-Inf in a scalar gradient", f -> f.step(f.gradientsWith("bn/gamma", 0, Float.NEGATIVE_INFINITY)),
                InvalidGradientException.class, "'bn/gamma'", "-Infinity", "element 0"));
        for (double scale : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            bad.add(new BadInput("gradient scale " + scale, f -> f.step(f.goodGradients(), scale),
                    IllegalArgumentException.class, "gradientScale", String.valueOf(scale)));
        }
        bad.add(new BadInput("DOUBLE gradient", f -> {
            Map<String, INDArray> m = f.goodGradientMap();
            m.put("dense/b", m.get("dense/b").castTo(DataType.DOUBLE));
            return f.step(NamedTensors.of(m));
        }, IllegalArgumentException.class, "'dense/b'", "DOUBLE"));
        bad.add(new BadInput("DOUBLE parameter", f -> {
            Map<String, INDArray> p = new LinkedHashMap<>();
            for (int i = 0; i < f.params.size(); i++) {
                p.put(NAMES[i], i == 0 ? f.params.get(i).castTo(DataType.DOUBLE) : f.params.get(i));
            }
            return f.step(NamedTensors.of(p), f.goodGradients());
        }, IllegalArgumentException.class, "'dense/W'", "DOUBLE"));
        bad.add(new BadInput("parameter that is not a dense array", f -> {
            // a [4, 3] view of every other column of a [4, 6] array: not contiguous
            INDArray big = Nd4j.create(DataType.FLOAT, 4, 6);
            INDArray strided = big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 6));
            Map<String, INDArray> p = new LinkedHashMap<>();
            p.put(NAMES[0], strided);
            p.put(NAMES[1], f.params.get(1));
            p.put(NAMES[2], f.params.get(2));
            return f.step(NamedTensors.of(p), f.goodGradients());
        }, IllegalArgumentException.class, "'dense/W'", "not a dense array"));
        bad.add(new BadInput("state of another layout", f -> {
            OptimizerState other = f.config.create().init(TensorLayout.of("dense/W", new long[] {4, 3}, "dense/b", new long[] {3}));
            return () -> f.optimizer.step(f.params, f.goodGradients(), other);
        }, IllegalArgumentException.class, "'bn/gamma'"));
        bad.add(new BadInput("state of another optimizer", f -> {
            OptimizerConfig other = f.config instanceof LambConfig ? AdamWConfig.defaults() : LambConfig.defaults();
            OptimizerState foreign = other.create().init(f.params.layout());
            return () -> f.optimizer.step(f.params, f.goodGradients(), foreign);
        }, IllegalArgumentException.class, "'" + "lamb" + "'"));
        return bad;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        OptimizerConfig[] configs = {LambConfig.builder().weightDecay(0.01).maxGradientNorm(1).build(),
                LarsConfig.defaults().withWeightDecay(1e-3, List.of()), AdamWConfig.defaults(), AdamConfig.defaults()};
        for (OptimizerConfig c : configs) {
            for (BadInput b : badInputs()) {
                out.add(Arguments.of(Named.of(c.name(), c), b));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void badInputThrowsAndChangesNothing(OptimizerConfig config, BadInput bad) {
        Fixture f = new Fixture(config);
        ThrowingCallable action = bad.action().apply(f);
        NamedTensors paramsBefore = TestTensors.copyOf(f.params);
        OptimizerState stateBefore = f.state.copy();

        var thrown = assertThatThrownBy(action).isInstanceOf(bad.type());
        for (String fragment : bad.fragments()) {
            thrown.hasMessageContaining(fragment);
        }

        TestTensors.assertBitwiseEqual(f.params, paramsBefore);
        assertThat(f.state).as("optimizer state after the refused step").isEqualTo(stateBefore);
        assertThat(f.state.step()).isEqualTo(2);
        // and the optimizer still works afterwards
        f.optimizer.step(f.params, f.goodGradients(), f.state);
        assertThat(f.state.step()).isEqualTo(3);
    }

    static Stream<Arguments> nonFinite() {
        return Stream.of(Arguments.of(Float.NaN), Arguments.of(Float.POSITIVE_INFINITY), Arguments.of(Float.NEGATIVE_INFINITY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFinite")
    void invalidGradientExceptionNamesTensorAndFirstBadElement(float value) {
        Fixture f = new Fixture(LambConfig.defaults());
        NamedTensors grads = f.gradientsWith("dense/W", 10, value);
        grads.get("dense/W").putScalar(11, value); // a later one is not the first
        grads.get("dense/b").putScalar(0, value); // a later tensor is not the first either
        assertThatThrownBy(() -> f.optimizer.step(f.params, grads, f.state))
                .isInstanceOfSatisfying(InvalidGradientException.class, e -> {
                    assertThat(e.tensorName()).isEqualTo("dense/W");
                    assertThat(e.elementIndex()).isEqualTo(10);
                    assertThat(e).hasMessageContaining("unchanged");
                });
    }

    /**
     * An Adam-family state must carry a second moment. One built without it (the public constructor allows
     * {@code secondMoment == null}) must be refused before anything is written.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("adamFamily")
    void adamFamilyStateWithoutSecondMomentIsRefusedAndChangesNothing(OptimizerConfig config) {
        Fixture f = new Fixture(config);
        float[][] first = new float[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            first[i] = f.state.firstMoment(i);
        }
        OptimizerState noSecond = new OptimizerState(config.name(), f.params.layout(), 2, first, null);
        OptimizerState before = noSecond.copy();
        NamedTensors paramsBefore = TestTensors.copyOf(f.params);

        NamedTensors grads = f.goodGradients();
        Throwable thrown = catchThrowable(() -> f.optimizer.step(f.params, grads, noSecond));

        // Report everything that is wrong, not just the first thing.
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(thrown).as("exception").isInstanceOf(IllegalArgumentException.class);
        if (thrown != null) {
            softly.assertThat(thrown.getMessage()).as("message").contains("second moment");
        }
        softly.assertThat(noSecond).as("state after the refused step (first moment bitwise unchanged)").isEqualTo(before);
        for (int i = 0; i < NAMES.length; i++) {
            softly.assertThat(TestTensors.bits(TestTensors.elements(f.params.get(i), 'c')))
                    .as("parameters of '%s' unchanged", NAMES[i])
                    .isEqualTo(TestTensors.bits(TestTensors.elements(paramsBefore.get(i), 'c')));
        }
        softly.assertAll();
    }

    static Stream<Arguments> adamFamily() {
        return Stream.of(Arguments.of(Named.of("lamb", LambConfig.defaults())), Arguments.of(Named.of("adamw", AdamWConfig.defaults())),
                Arguments.of(Named.of("adam", AdamConfig.defaults())));
    }
}
