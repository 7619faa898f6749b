package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a Spark job ships between the coordinator and the shard owners ({@link GradientReport}, {@link Coefficients},
 * {@link NormReport}, {@link StepSizes}, {@link ShardUpdate}; {@link UnclippedCoefficients} in {@link ShardedStepTest})
 * survives Java serialization: owners working from deserialized copies produce bitwise the same shards as from the
 * originals, for every rule.
 */
class ShardedStepSerializationTest {

    static Stream<OptimizerConfig> configs() {
        return Stream.of(
                LambConfig.builder().learningRate(0.01).weightDecay(0.01).excludeFromWeightDecay(List.of("_b"))
                        .weightDecayOverrides(Map.of("0_b", 0.1)).trustRatioClamp(0.1, 5).maxGradientNorm(0.5).build(),
                LarsConfig.defaults().withWeightDecay(1e-3, List.of("_b")).withWeightDecayOverrides(Map.of("1_W", 0.0)),
                AdamWConfig.defaults().withWeightDecayOverrides(Map.of("emb_W", 0.05)),
                AdamConfig.defaults().withWeightDecay(1e-3, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void ownersGiveTheSameShardsFromDeserializedCopies(OptimizerConfig config) throws Exception {
        TensorLayout layout = ShardedStepTest.embeddingLayout();
        ShardPlan plan = ShardPlan.of(layout, 3);
        ShardedStep sharded = ShardedStep.of(config.create(), plan);
        int n = Math.toIntExact(layout.totalLength());
        Random random = new Random(5);
        float[] w0 = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = (float) random.nextGaussian() * 0.1f;
            g[i] = (float) random.nextGaussian();
        }
        List<GradientReport> reports = new ArrayList<>();
        for (int s = 0; s < plan.shards(); s++) {
            reports.add(roundTrip(ShardedStep.gradientReport(plan, s, plan.slice(g, s))));
        }
        Coefficients k = sharded.coefficients(reports, 1.0 / 512, 0);
        Coefficients shipped = roundTrip(k);
        List<NormReport> norms = new ArrayList<>();
        ShardUpdate[] local = new ShardUpdate[plan.shards()];
        ShardUpdate[] remote = new ShardUpdate[plan.shards()];
        for (int s = 0; s < plan.shards(); s++) {
            float[] m = new float[plan.length(s)];
            float[] v = sharded.hasSecondMoment() ? new float[plan.length(s)] : null;
            local[s] = ShardedStep.update(k, plan, s, plan.slice(g, s), plan.slice(w0, s), m, v);
            remote[s] = roundTrip(ShardedStep.update(shipped, plan, s, plan.slice(g, s), plan.slice(w0, s), m, v));
            ShardedStepTest.assertBitwise(remote[s].firstMoment(), local[s].firstMoment(), "first moment of shard " + s);
            ShardedStepTest.assertBitwise(remote[s].parameters(), local[s].parameters(), "parameters of shard " + s);
            norms.add(roundTrip(remote[s].norms()));
        }
        if (!sharded.needsNormRound()) {
            return;
        }
        StepSizes sizes = sharded.stepSizes(k, norms);
        StepSizes shippedSizes = roundTrip(sizes);
        assertThat(shippedSizes.result()).as("the step result stays on the coordinator").isNull();
        for (int s = 0; s < plan.shards(); s++) {
            float[] expected = ShardedStep.apply(k, sizes, plan, s, plan.slice(w0, s), local[s].firstMoment(), local[s].secondMoment());
            float[] actual = ShardedStep.apply(shipped, shippedSizes, plan, s, plan.slice(w0, s), remote[s].firstMoment(),
                    remote[s].secondMoment());
            ShardedStepTest.assertBitwise(actual, expected, "applied parameters of shard " + s);
            assertThat(Float.floatToIntBits(actual[0])).as("the step moved shard " + s).isNotEqualTo(Float.floatToIntBits(plan.slice(w0, s)[0]));
        }
    }

    /** {@code value} after a round trip through Java serialization (what a Spark task receives). */
    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
