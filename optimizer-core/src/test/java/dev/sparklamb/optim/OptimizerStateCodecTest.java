package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Save/resume equals uninterrupted, and every kind of damaged or foreign state is refused with a precise message. */
class OptimizerStateCodecTest {

    private static final String SOURCE = "run-7/optimizer-state.bin";
    private static final String[] NAMES = {"dense/W", "dense/b", "bn/gamma", "conv/W"};
    private static final long[][] SHAPES = {{5, 3}, {3}, {}, {2, 2, 2}};
    /** Length of the header, CRC included, for {@link #NAMES}/{@link #SHAPES}: computed from the documented format. */
    private static final int HEADER_LENGTH = headerLength("lamb");

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of(Named.of("lamb", LambConfig.builder().learningRate(0.01).weightDecay(0.01)
                        .excludeFromWeightDecay(List.of("gamma")).maxGradientNorm(2).build())),
                Arguments.of(Named.of("lars", LarsConfig.defaults().withWeightDecay(1e-3, List.of("gamma")))),
                Arguments.of(Named.of("adamw", AdamWConfig.defaults())),
                Arguments.of(Named.of("adam", AdamConfig.defaults().withWeightDecay(1e-3, List.of()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void resumingFromEncodedStateIsBitwiseEqualToUninterruptedRun(OptimizerConfig config) throws IOException {
        int k = 4;
        int n = 6;
        Random rnd = new Random(7);
        NamedTensors start = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        List<NamedTensors> grads = new ArrayList<>();
        for (int s = 0; s < k + n; s++) {
            grads.add(TestTensors.randomTensors(rnd, NAMES, SHAPES, 0.5));
        }
        TensorLayout layout = start.layout();

        NamedTensors uninterrupted = TestTensors.copyOf(start);
        Optimizer a = config.create();
        OptimizerState stateA = a.init(layout);
        for (int s = 0; s < k + n; s++) {
            a.step(uninterrupted, grads.get(s), 0.5, stateA);
        }

        NamedTensors first = TestTensors.copyOf(start);
        Optimizer b = config.create();
        OptimizerState stateB = b.init(layout);
        for (int s = 0; s < k; s++) {
            b.step(first, grads.get(s), 0.5, stateB);
        }
        byte[] saved = encode(stateB);
        NamedTensors resumed = TestTensors.copyOf(first);
        Optimizer c = config.create();
        OptimizerState stateC = OptimizerStateCodec.decode(new ByteArrayInputStream(saved), SOURCE, config.name(), layout);
        assertThat(stateC).isEqualTo(stateB);
        assertThat(stateC.step()).isEqualTo(k);
        for (int s = k; s < k + n; s++) {
            c.step(resumed, grads.get(s), 0.5, stateC);
        }

        TestTensors.assertBitwiseEqual(resumed, uninterrupted);
        assertThat(stateC).isEqualTo(stateA);
        assertThat(stateC.step()).isEqualTo(k + n);
        for (int i = 0; i < NAMES.length; i++) {
            assertThat(TestTensors.bits(stateC.firstMoment(i))).isEqualTo(TestTensors.bits(stateA.firstMoment(i)));
            if (stateA.hasSecondMoment()) {
                assertThat(TestTensors.bits(stateC.secondMoment(i))).isEqualTo(TestTensors.bits(stateA.secondMoment(i)));
            }
        }
        assertThat(stateC.hasSecondMoment()).isEqualTo(!(config instanceof LarsConfig));
    }

    @Test
    void headerLengthMatchesTheDocumentedFormat() throws IOException {
        byte[] bytes = encode(steppedLambState());
        int body = 2 * 4 * (15 + 3 + 1 + 8);
        assertThat(bytes).hasSize(HEADER_LENGTH + body + 4);
    }

    @Test
    void everyTruncationIsRefusedAsTruncated() throws IOException {
        byte[] bytes = encode(steppedLambState());
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            int at = length;
            assertThatThrownBy(() -> decode(cut))
                    .as("stream cut to %d of %d bytes", at, bytes.length)
                    .isInstanceOf(StateFormatException.class)
                    .hasMessageContaining(SOURCE)
                    .hasMessageContaining("truncated");
        }
    }

    /** Every single-bit error anywhere in the header (CRC included) fails with StateFormatException, nothing else. */
    @Test
    void everyBitFlipInTheHeaderIsRefused() throws IOException {
        byte[] bytes = encode(steppedLambState());
        List<String> problems = new ArrayList<>();
        for (int bit = 0; bit < HEADER_LENGTH * 8; bit++) {
            String outcome = decodeFlipped(bytes, bit);
            if (outcome != null) {
                problems.add(outcome);
            }
        }
        assertThat(problems).as("header bit flips not refused with a StateFormatException naming the source").isEmpty();
    }

    @Test
    void everyBitFlipInTheBodyIsRefusedAsChecksumMismatch() throws IOException {
        byte[] bytes = encode(steppedLambState());
        for (int bit = HEADER_LENGTH * 8; bit < bytes.length * 8; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            int at = bit;
            assertThatThrownBy(() -> decode(flipped))
                    .as("bit %d (byte %d)", at, at / 8)
                    .isInstanceOf(StateFormatException.class)
                    .hasMessageContaining(SOURCE)
                    .hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void flippedTensorNameIsAHeaderChecksumMismatch() throws IOException {
        byte[] bytes = encode(steppedLambState());
        int nameAt = indexOf(bytes, "dense/W".getBytes());
        bytes[nameAt] ^= 0x02; // 'd' -> 'f': still valid UTF, so only the checksum can tell
        assertThatThrownBy(() -> decode(bytes)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("header checksum mismatch");
    }

    @Test
    void wrongMagicIsRefused() throws IOException {
        byte[] bytes = encode(steppedLambState());
        System.arraycopy("PK\u0003\u0004".getBytes(), 0, bytes, 0, 4);
        assertThatThrownBy(() -> decode(bytes)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("magic").hasMessageContaining("504b0304");
    }

    @Test
    void newerVersionIsRefusedNamingTheVersion() throws IOException {
        byte[] bytes = encode(steppedLambState());
        int newer = OptimizerStateCodec.CURRENT_VERSION + 1;
        bytes[4] = (byte) (newer >>> 8);
        bytes[5] = (byte) newer;
        assertThatThrownBy(() -> decode(bytes)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("version " + newer).hasMessageContaining("newer");
    }

    @Test
    void versionZeroIsRefused() throws IOException {
        byte[] bytes = encode(steppedLambState());
        bytes[4] = 0;
        bytes[5] = 0;
        assertThatThrownBy(() -> decode(bytes)).isInstanceOf(StateFormatException.class)
                .hasMessageContaining("version 0").hasMessageContaining("not supported");
    }

    @Test
    void stateOfAnotherOptimizerIsRefused() throws IOException {
        byte[] bytes = encode(steppedLambState());
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lars", layout()))
                .isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("'lamb'").hasMessageContaining("'lars'");
    }

    @Test
    void stateForOtherTensorNamesIsRefusedNamingTheTensor() throws IOException {
        byte[] bytes = encode(steppedLambState());
        TensorLayout renamed = TensorLayout.of("dense/W", SHAPES[0], "dense/bias", SHAPES[1], "bn/gamma", SHAPES[2], "conv/W", SHAPES[3]);
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lamb", renamed))
                .isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("'dense/b'").hasMessageContaining("'dense/bias'");
    }

    @Test
    void stateForOtherShapesIsRefusedNamingTheTensorAndShapes() throws IOException {
        byte[] bytes = encode(steppedLambState());
        TensorLayout reshaped = TensorLayout.of("dense/W", new long[] {3, 5}, "dense/b", SHAPES[1], "bn/gamma", SHAPES[2], "conv/W", SHAPES[3]);
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lamb", reshaped))
                .isInstanceOf(StateFormatException.class)
                .hasMessageContaining(SOURCE).hasMessageContaining("'dense/W'").hasMessageContaining("[5, 3]")
                .hasMessageContaining("[3, 5]");
    }

    @Test
    void stateWithMissingOrExtraTensorIsRefused() throws IOException {
        byte[] bytes = encode(steppedLambState());
        TensorLayout more = TensorLayout.of("dense/W", SHAPES[0], "dense/b", SHAPES[1], "bn/gamma", SHAPES[2], "conv/W", SHAPES[3],
                "head/W", new long[] {2});
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lamb", more))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("'head/W'");
        TensorLayout fewer = TensorLayout.of("dense/W", SHAPES[0], "dense/b", SHAPES[1], "bn/gamma", SHAPES[2]);
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lamb", fewer))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("'conv/W'");
    }

    /**
     * A LAMB state needs a second moment. A state that names 'lamb' but carries one moment slot (well-formed and
     * checksummed, e.g. written from a hand-built OptimizerState) must be refused when decoded for LAMB.
     */
    @Test
    void lambStateWithoutSecondMomentIsRefused() throws IOException {
        TensorLayout layout = layout();
        OptimizerState oneSlot = new OptimizerState("lamb", layout, 3, zeros(layout), null);
        byte[] bytes = encode(oneSlot);
        assertThatThrownBy(() -> OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE, "lamb", layout))
                .isInstanceOf(StateFormatException.class).hasMessageContaining(SOURCE).hasMessageContaining("second moment");
    }

    // ---------------------------------------------------------------- helpers

    private static float[][] zeros(TensorLayout layout) {
        float[][] a = new float[layout.size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = new float[layout.length(i)];
        }
        return a;
    }

    /** null when refused properly, else a description of what happened. */
    private static String decodeFlipped(byte[] bytes, int bit) {
        byte[] flipped = bytes.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        String where = "byte " + bit / 8 + " bit " + bit % 8 + ": ";
        try {
            decode(flipped);
            return where + "accepted";
        } catch (StateFormatException e) {
            return e.getMessage().contains(SOURCE) ? null : where + "message without source: " + e.getMessage();
        } catch (RuntimeException | Error e) {
            return where + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static TensorLayout layout() {
        return TensorLayout.of(NAMES[0], SHAPES[0], NAMES[1], SHAPES[1], NAMES[2], SHAPES[2], NAMES[3], SHAPES[3]);
    }

    private static OptimizerState steppedLambState() {
        Random rnd = new Random(11);
        NamedTensors params = TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0);
        Optimizer lamb = LambConfig.defaults().create();
        OptimizerState state = lamb.init(params.layout());
        for (int s = 0; s < 3; s++) {
            lamb.step(params, TestTensors.randomTensors(rnd, NAMES, SHAPES, 1.0), state);
        }
        return state;
    }

    private static byte[] encode(OptimizerState state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OptimizerStateCodec.encode(state, out);
        return out.toByteArray();
    }

    private static OptimizerState decode(byte[] bytes) throws StateFormatException {
        return OptimizerStateCodec.decode(new ByteArrayInputStream(bytes), SOURCE);
    }

    /** magic 4, version 2, UTF name (2 + n), step 8, count 4, per tensor UTF name + rank 1 + 8 per dim, slots 1, CRC 4. */
    private static int headerLength(String optimizer) {
        int n = 4 + 2 + 2 + optimizer.length() + 8 + 4;
        for (int i = 0; i < NAMES.length; i++) {
            n += 2 + NAMES[i].length() + 1 + 8 * SHAPES[i].length;
        }
        return n + 1 + 4;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
