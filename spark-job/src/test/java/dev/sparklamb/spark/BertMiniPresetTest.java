package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.sparklamb.spark.config.BertSettings;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ModelPreset;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.NetworkCheck;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.dropout.DropoutContext;
import dev.sparklamb.spark.model.transformer.BertNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The {@code bert-mini} preset at tiny sizes (vocabulary 100, hidden 16, 2 heads, maximum length 8): selected and sized
 * through the configuration, accepted by the network check, unchanged by the JSON round trip executors build replicas
 * from, one input and one output, the same parameters serving lengths 8 and 4, keyed dropout applied, and bad sizes
 * refused naming the key. (One step equal to DL4J's own fit: {@code SequenceLayerEquivalenceTest}; gradients against
 * finite differences: {@code TransformerLayerGradientTest}.)
 */
class BertMiniPresetTest {

    static final String TINY = "spark-lamb.model { preset = bert-mini, classes = 100, bert { hidden = 16, layers = 2, heads = 2, "
            + "feed-forward = 32, max-length = 8, dropout = 0.1 } }";

    static RunConfig tiny(String... overrides) {
        return ConfigLoader.load(TINY, "test.conf", List.of(overrides));
    }

    static INDArray tokens(int examples, int length, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, examples, length);
        for (int i = 0; i < examples; i++) {
            for (int t = 0; t < length; t++) {
                x.putScalar(i, t, r.nextInt(100));
            }
        }
        return x;
    }

    @Test
    void configSelectsAndSizesThePreset() {
        RunConfig c = tiny();
        assertThat(c.model().preset()).isEqualTo(ModelPreset.BERT_MINI);
        assertThat(c.model().bert()).isEqualTo(new BertSettings(16, 2, 2, 32, 8, 0.1));
        assertThat(ConfigLoader.load("", "empty.conf", List.of()).model().bert()).as("documented defaults").isEqualTo(BertSettings.DEFAULT);
        ModelSpec spec = ModelFactory.spec(c.model(), c.seed(), new Configuration());
        assertThat(spec.name()).isEqualTo("bert-mini");
        assertThat(spec.graph()).isTrue();
        Replica replica = spec.buildReplica();
        ModelFactory.requireFits(replica, c.model(), spec.name());
        ComputationGraph graph = (ComputationGraph) replica.network();
        assertThat(graph.getNumInputArrays()).isEqualTo(1);
        assertThat(graph.getNumOutputArrays()).isEqualTo(1);
        ParameterRoles roles = NetworkCheck.check(graph, "bert-mini", List.of());
        assertThat(roles.frozen()).isEmpty();
        assertThat(roles.statisticsNames()).isEmpty();
        assertThat(spec.json()).as("JSON round trip").isEqualTo(ComputationGraphConfiguration.fromJson(spec.json()).toJson());
    }

    @Test
    void theSameParametersServeLengthEightAndFourWithPadding() {
        RunConfig c = tiny();
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).build();
        INDArray x8 = tokens(3, 8, 1);
        INDArray mask8 = Nd4j.ones(DataType.FLOAT, 3, 8);
        mask8.get(NDArrayIndex.point(2), NDArrayIndex.interval(5, 8)).assign(0);
        INDArray out8 = replica.output(x8, mask8);
        assertThat(out8.shape()).containsExactly(3, 100, 8);
        assertThat(out8.sum(1).sub(1.0).amaxNumber().doubleValue()).as("a softmax over the vocabulary at every position").isCloseTo(0, within(1e-4));
        INDArray x4 = x8.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup();
        INDArray out4 = replica.output(x4, Nd4j.ones(DataType.FLOAT, 3, 4));
        assertThat(out4.shape()).containsExactly(3, 100, 4);
        // padding is excluded as attention keys: example 2's first 5 positions at length 8 (3 padded) equal the same
        // 5 tokens alone at length 5
        INDArray x5 = x8.get(NDArrayIndex.interval(2, 3), NDArrayIndex.interval(0, 5)).dup();
        INDArray out5 = replica.output(x5, Nd4j.ones(DataType.FLOAT, 1, 5));
        INDArray padded = out8.get(NDArrayIndex.interval(2, 3), NDArrayIndex.all(), NDArrayIndex.interval(0, 5));
        assertThat(out5.sub(padded).amaxNumber().doubleValue()).isLessThan(1e-5);
    }

    @Test
    void keyedDropoutAppliesToTheSequenceActivations() {
        RunConfig c = tiny();
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).buildReplica();
        INDArray x = tokens(2, 8, 2);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 2, 100, 8);
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 8; t++) {
                labels.putScalar(new int[] {i, (int) x.getDouble(i, t), t}, 1);
            }
        }
        INDArray mask = Nd4j.ones(DataType.FLOAT, 2, 8);
        List<float[]> gradients = new ArrayList<>();
        for (long step : new long[] {0, 0, 1}) {
            float[] g = new float[(int) replica.parameterCount()];
            try (DropoutContext.Scope s = DropoutContext.open(c.seed(), step, new long[] {10, 11})) {
                replica.gradient(x, mask, labels, mask, g);
            }
            gradients.add(g);
        }
        assertThat(gradients.get(1)).as("same keys, same masks: bitwise").isEqualTo(gradients.get(0));
        assertThat(gradients.get(2)).as("another step draws other masks").isNotEqualTo(gradients.get(0));
    }

    @Test
    void weightDecayExclusionsMatchExactlyTheBiasesAndLayerNormParameters() {
        RunConfig c = tiny();
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).build();
        List<String> excluded = new ArrayList<>();
        List<String> names = replica.layout().tensors().stream().map(t -> t.name()).toList();
        for (String name : names) {
            if (BertNetwork.EXCLUDE_FROM_WEIGHT_DECAY.stream().anyMatch(r -> Pattern.compile(r).matcher(name).find())) {
                excluded.add(name);
            }
        }
        List<String> expected = new ArrayList<>(List.of("emb_norm_gain", "emb_norm_bias", "mlm_b"));
        for (int i = 0; i < 2; i++) {
            for (String t : new String[] {"attn_bq", "attn_bk", "attn_bv", "attn_bo", "attn_norm_gain", "attn_norm_bias", "ffn_b1",
                    "ffn_b2", "ffn_norm_gain", "ffn_norm_bias"}) {
                expected.add("b" + i + "_" + t);
            }
        }
        assertThat(excluded).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(names).hasSize(expected.size() + 3 + 2 * 6); // tok_emb_W, pos_emb_P, mlm_W; per block Wq Wk Wv Wo W1 W2
    }

    @Test
    void badSizesAreRefusedNamingTheKey() {
        assertThat(catchThrowable(() -> tiny("spark-lamb.model.bert.heads = 3"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.model.bert.heads").hasMessageContaining("spark-lamb.model.bert.hidden = 16");
        assertThat(catchThrowable(() -> tiny("spark-lamb.model.bert.layers = 0"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.model.bert.layers");
        assertThat(catchThrowable(() -> tiny("spark-lamb.model.bert.dropout = 1"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.model.bert.dropout");
        assertThat(catchThrowable(() -> tiny("spark-lamb.model.bert.max-length = 2.5"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.model.bert.max-length");
        assertThat(catchThrowable(() -> tiny().model().bert().requireLength(9, "data 'train.parquet'")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.bert.max-length = 8")
                .hasMessageContaining("train.parquet");
        RunConfig c = tiny();
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).build();
        assertThat(catchThrowable(() -> replica.output(tokens(1, 9, 3), null))).hasStackTraceContaining("spark-lamb.model.bert.max-length = 8");
    }

    @Test
    void gradientsOfSeparateMicroBatchesAddUpToTheWholeBatchsWithKeyedDropout() {
        RunConfig c = tiny();
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).buildReplica();
        int n = 4;
        INDArray x = tokens(n, 8, 4);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, 100, 8);
        INDArray featureMask = Nd4j.ones(DataType.FLOAT, n, 8);
        featureMask.get(NDArrayIndex.point(3), NDArrayIndex.interval(6, 8)).assign(0);
        INDArray labelMask = Nd4j.zeros(DataType.FLOAT, n, 8);
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < 8; t++) {
                labels.putScalar(new int[] {i, r.nextInt(100), t}, 1);
                if (featureMask.getDouble(i, t) == 1 && r.nextInt(3) == 0) {
                    labelMask.putScalar(i, t, 1);
                }
            }
        }
        long[] ids = {20, 21, 22, 23};
        float[] whole = new float[(int) replica.parameterCount()];
        double wholeLoss;
        try (DropoutContext.Scope s = DropoutContext.open(c.seed(), 5, ids)) {
            wholeLoss = replica.gradient(x, featureMask, labels, labelMask, whole);
        }
        float[] sum = new float[whole.length];
        double lossSum = 0;
        for (int[] part : new int[][] {{0, 1}, {1, 4}}) {
            float[] g = new float[whole.length];
            try (DropoutContext.Scope s = DropoutContext.open(c.seed(), 5, java.util.Arrays.copyOfRange(ids, part[0], part[1]))) {
                lossSum += replica.gradient(rows(x, part), rows(featureMask, part), rows(labels, part), rows(labelMask, part), g);
            }
            for (int i = 0; i < g.length; i++) {
                sum[i] += g[i];
            }
        }
        assertThat(lossSum).isCloseTo(wholeLoss, within(1e-4 * Math.abs(wholeLoss)));
        double scale = 0;
        for (float v : whole) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < whole.length; i++) {
            assertThat((double) Math.abs(sum[i] - whole[i])).as("parameter %d", i).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
        }
    }

    private static INDArray rows(INDArray a, int[] range) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        index[0] = NDArrayIndex.interval(range[0], range[1]);
        for (int d = 1; d < index.length; d++) {
            index[d] = NDArrayIndex.all();
        }
        return a.get(index).dup();
    }
}
