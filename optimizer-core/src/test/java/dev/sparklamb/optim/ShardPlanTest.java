package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.optim.kernel.ChunkPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Shard assignment: contiguous, aligned with tensor and chunk boundaries, balanced for realistic layer sets. */
class ShardPlanTest {

    /** BERT-base-like: 30,522 x 768 word embedding, 12 encoder layers (attention, FFN, layer norms), pooler. */
    static TensorLayout bertBase() {
        List<Object> t = new ArrayList<>(List.of("emb_word", new long[] {30522, 768}, "emb_pos", new long[] {512, 768},
                "emb_type", new long[] {2, 768}, "emb_ln_g", new long[] {768}, "emb_ln_b", new long[] {768}));
        for (int l = 0; l < 12; l++) {
            for (String p : new String[] {"q", "k", "v", "o"}) {
                t.add(l + "_" + p + "_W");
                t.add(new long[] {768, 768});
                t.add(l + "_" + p + "_b");
                t.add(new long[] {768});
            }
            t.addAll(List.of(l + "_ln1_g", new long[] {768}, l + "_ln1_b", new long[] {768}, l + "_ffn1_W", new long[] {768, 3072},
                    l + "_ffn1_b", new long[] {3072}, l + "_ffn2_W", new long[] {3072, 768}, l + "_ffn2_b", new long[] {768},
                    l + "_ln2_g", new long[] {768}, l + "_ln2_b", new long[] {768}));
        }
        t.addAll(List.of("pool_W", new long[] {768, 768}, "pool_b", new long[] {768}));
        return TensorLayout.of(t.toArray());
    }

    /** ResNet-50-like: conv kernels of very different sizes plus many small batch-norm vectors, and the classifier. */
    static TensorLayout resnet50Like() {
        List<Object> t = new ArrayList<>(List.of("conv1_W", new long[] {64, 3, 7, 7}, "bn1_g", new long[] {64}, "bn1_b", new long[] {64}));
        int[][] stages = {{64, 256, 3}, {128, 512, 4}, {256, 1024, 6}, {512, 2048, 3}};
        int in = 64;
        for (int s = 0; s < stages.length; s++) {
            int mid = stages[s][0];
            int out = stages[s][1];
            for (int b = 0; b < stages[s][2]; b++) {
                String p = "s" + s + "b" + b;
                t.addAll(List.of(p + "_c1_W", new long[] {mid, in, 1, 1}, p + "_bn1_g", new long[] {mid}, p + "_bn1_b", new long[] {mid},
                        p + "_c2_W", new long[] {mid, mid, 3, 3}, p + "_bn2_g", new long[] {mid}, p + "_bn2_b", new long[] {mid},
                        p + "_c3_W", new long[] {out, mid, 1, 1}, p + "_bn3_g", new long[] {out}, p + "_bn3_b", new long[] {out}));
                in = out;
            }
        }
        t.addAll(List.of("fc_W", new long[] {2048, 1000}, "fc_b", new long[] {1000}));
        return TensorLayout.of(t.toArray());
    }

    /** The project's MLP preset: 784-512-256-10. */
    static TensorLayout mlp() {
        return TensorLayout.of("0_W", new long[] {784, 512}, "0_b", new long[] {1, 512}, "1_W", new long[] {512, 256},
                "1_b", new long[] {1, 256}, "2_W", new long[] {256, 10}, "2_b", new long[] {1, 10});
    }

    static Stream<Arguments> realistic() {
        List<Arguments> out = new ArrayList<>();
        for (String name : List.of("bert-base", "resnet50")) {
            for (int shards : new int[] {2, 3, 4, 8, 16, 32}) {
                out.add(Arguments.of(name, shards));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1} shards")
    @MethodSource("realistic")
    void realisticLayerSetsAreBalancedAndAligned(String model, int shards) {
        TensorLayout layout = model.equals("bert-base") ? bertBase() : resnet50Like();
        ShardPlan plan = ShardPlan.of(layout, shards);
        assertThat(plan.shards()).isEqualTo(shards);
        assertCoversAndAligned(plan);
        assertThat(plan.imbalance()).as("largest shard / mean for %s", plan).isLessThanOrEqualTo(1.25);
        assertThat(plan.splitTensors()).as("each shard boundary cuts at most one tensor").isLessThanOrEqualTo(shards - 1);
    }

    @Test
    void smallTensorsStayWholeWhenWholeTensorsBalance() {
        // 8 tensors of 100k elements over 4 shards: two whole tensors each, nothing split.
        List<Object> t = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            t.add("t" + i);
            t.add(new long[] {100_000});
        }
        ShardPlan plan = ShardPlan.of(TensorLayout.of(t.toArray()), 4);
        assertThat(plan.splitTensors()).isZero();
        assertThat(plan.imbalance()).isEqualTo(1.0);
        for (int s = 0; s < 4; s++) {
            assertThat(plan.length(s)).isEqualTo(200_000);
        }
    }

    @Test
    void aTensorLargerThanAllOthersIsSplitAtChunkBoundariesAndTheRestStaysWhole() {
        TensorLayout layout = TensorLayout.of("emb", new long[] {4_000_000}, "a_W", new long[] {300, 300}, "a_b", new long[] {300},
                "b_W", new long[] {300, 10}, "b_b", new long[] {10});
        ShardPlan plan = ShardPlan.of(layout, 4);
        assertCoversAndAligned(plan);
        assertThat(plan.isSplit(0)).isTrue();
        for (int t = 1; t < layout.size(); t++) {
            assertThat(plan.isSplit(t)).as("tensor %s", layout.name(t)).isFalse();
        }
        assertThat(plan.imbalance()).isLessThanOrEqualTo(1.25);
    }

    @Test
    void theMlpPresetSplitsOnlyWhereBalanceNeedsIt() {
        ShardPlan two = ShardPlan.of(mlp(), 2);
        assertCoversAndAligned(two);
        assertThat(two.imbalance()).isLessThanOrEqualTo(1.25);
        ShardPlan one = ShardPlan.of(mlp(), 1);
        assertThat(one.shards()).isEqualTo(1);
        assertThat(one.length(0)).isEqualTo(mlp().totalLength());
        assertThat(one.splitTensors()).isZero();
    }

    @Test
    void neverMoreShardsThanChunksAndNeverAnEmptyShard() {
        TensorLayout tiny = TensorLayout.of("w", new long[] {3, 3}, "b", new long[] {3});
        ShardPlan plan = ShardPlan.of(tiny, 8);
        assertThat(plan.shards()).isEqualTo(2);
        assertCoversAndAligned(plan);
        assertThatThrownBy(() -> ShardPlan.of(tiny, 0)).hasMessageContaining("number of shards must be >= 1, got 0");
    }

    @Test
    void slicesRoundTripPerTensorArrays() {
        TensorLayout layout = ShardedStepTest.embeddingLayout();
        ShardPlan plan = ShardPlan.of(layout, 5);
        float[][] perTensor = new float[layout.size()][];
        float[] flat = new float[Math.toIntExact(layout.totalLength())];
        for (int t = 0; t < layout.size(); t++) {
            perTensor[t] = new float[layout.length(t)];
            for (int i = 0; i < perTensor[t].length; i++) {
                perTensor[t][i] = t * 1_000_000 + i;
                flat[Math.toIntExact(layout.offset(t)) + i] = perTensor[t][i];
            }
        }
        float[][] back = new float[layout.size()][];
        for (int t = 0; t < layout.size(); t++) {
            back[t] = new float[layout.length(t)];
        }
        for (int s = 0; s < plan.shards(); s++) {
            assertThat(plan.slice(perTensor, s)).containsExactly(plan.slice(flat, s));
            plan.unslice(plan.slice(flat, s), s, back);
        }
        assertThat(back).isDeepEqualTo(perTensor);
    }

    /** Shards are non-empty, contiguous, cover the vector, and start on chunk boundaries (tensor starts included). */
    static void assertCoversAndAligned(ShardPlan plan) {
        TensorLayout layout = plan.layout();
        long next = 0;
        for (int s = 0; s < plan.shards(); s++) {
            assertThat(plan.length(s)).as("shard %d", s).isPositive();
            assertThat(plan.flatFrom(s)).as("shard %d starts where %d ended", s, s - 1).isEqualTo(next);
            int c = plan.firstChunk(s);
            assertThat(plan.fromInTensor(c) % ChunkPlan.CHUNK).as("shard %d starts on a chunk boundary", s).isZero();
            if (plan.fromInTensor(c) != 0) {
                assertThat(layout.length(plan.tensorOf(c))).as("only a tensor larger than a chunk is cut").isGreaterThan(ChunkPlan.CHUNK);
            }
            next += plan.length(s);
        }
        assertThat(next).isEqualTo(layout.totalLength());
    }
}
