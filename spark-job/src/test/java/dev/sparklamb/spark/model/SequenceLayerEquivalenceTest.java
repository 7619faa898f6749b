package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.BertSettings;
import dev.sparklamb.spark.model.transformer.BertNetwork;
import dev.sparklamb.spark.model.transformer.LayerNormalization;
import dev.sparklamb.spark.model.transformer.MultiHeadSelfAttention;
import dev.sparklamb.spark.model.transformer.PositionEmbedding;
import dev.sparklamb.spark.model.transformer.TokenDropout;
import dev.sparklamb.spark.model.transformer.TokenFeedForward;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The sequence layers ({@code EmbeddingSequenceLayer} with the input mask, {@code RnnOutputLayer} with a label mask,
 * spark-lamb's own transformer layers) are trained as DL4J's own single-process {@code fit} trains
 * them. Each case is stepped once by DL4J (plain SGD, learning rate 1, on a {@code DataSet} carrying a feature mask
 * with padded positions and a label mask) and once through the trainer's masked gradient path
 * ({@link Replica#gradient(INDArray, INDArray, INDArray, INDArray, float[])} on the replica executors build from the
 * configuration's JSON, tensor roles from {@link NetworkCheck}); every tensor must agree within 1e-5.
 *
 * <p>Common divisor: DL4J divides the summed (masked) gradient by the number of <em>sequences</em> of the minibatch
 * before its updater; the trainer divides the all-reduced sum by the number of real label tokens of the global batch.
 * The sum is what the replica returns, so the comparison here divides it by the number of sequences, as DL4J does:
 * that checks the summed gradient itself, whichever divisor the trainer applies afterwards. The loss is compared the
 * same way (DL4J's score is the masked loss sum over the number of sequences).
 */
class SequenceLayerEquivalenceTest {

    static final int BATCH = 5;
    static final int LENGTH = 7;

    /** A sequence network: token ids {@code 0..vocabulary-1} in, one-hot labels over {@code classes} per position out. */
    record SequenceCase(String name, Object configuration, int vocabulary, int classes) {

        Model build() {
            return new LayerEquivalenceTest.Case(name, configuration, 0, 0, true).build();
        }

        ModelSpec spec() {
            return new LayerEquivalenceTest.Case(name, configuration, 0, 0, true).spec();
        }

        java.util.Set<Class<?>> configurationClasses() {
            return new LayerEquivalenceTest.Case(name, configuration, 0, 0, true).configurationClasses();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static NeuralNetConfiguration.Builder base(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(new Sgd(1.0)).weightInit(WeightInit.XAVIER);
    }

    /** DL4J's updater of every layer set to plain SGD with learning rate 1 (the presets configure NoOp). */
    static ComputationGraphConfiguration withSgd(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                Layer l = lv.getLayerConf().getLayer();
                if (l instanceof BaseLayer b) {
                    b.setIUpdater(new Sgd(1.0));
                    b.setBiasUpdater(null);
                } else if (l instanceof AbstractSameDiffLayer sd) {
                    sd.setUpdater(new Sgd(1.0));
                    sd.setBiasUpdater(null);
                }
            }
        }
        return conf;
    }

    static <T extends BaseLayer> T withL2(T layer, double coefficient) {
        layer.setRegularization(new ArrayList<>(List.of(new org.nd4j.linalg.learning.regularization.L2Regularization(coefficient))));
        return layer;
    }

    static <T extends BaseLayer> T keepAll(T layer) {
        layer.setIDropout(new org.deeplearning4j.nn.conf.dropout.Dropout(1.0));
        return layer;
    }

    static List<SequenceCase> cases() {
        List<SequenceCase> cases = new ArrayList<>();
        cases.add(new SequenceCase("two sequence embeddings added + rnn output (graph)", base(11).graphBuilder()
                .addInputs("in")
                .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(13).nOut(8).hasBias(true).outputDataFormat(RNNFormat.NCW).build(), "in")
                .addLayer("emb2", new EmbeddingSequenceLayer.Builder().nIn(13).nOut(8).hasBias(false).outputDataFormat(RNNFormat.NCW).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "emb", "emb2")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(13).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build(), "sum")
                .setOutputs("out")
                .build(), 13, 13));
        cases.add(new SequenceCase("sequence embedding + rnn output (multi-layer, l2)", base(12).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(11).nOut(6).hasBias(false).outputDataFormat(RNNFormat.NCW).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(5).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).l2(0.01).build())
                .build(), 11, 5));
        cases.add(new SequenceCase("spark-lamb's transformer layers (graph, l2 on attention)", base(13).graphBuilder()
                .addInputs("in")
                .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(9).nOut(6).hasBias(false).outputDataFormat(RNNFormat.NCW).build(), "in")
                .addLayer("pos", new PositionEmbedding(6, 10, 0.5, "test.max-length"), "emb")
                .addLayer("norm", new LayerNormalization(6, 1e-5), "pos")
                .addLayer("attn", withL2(new MultiHeadSelfAttention(6, 3, 0.5), 0.01), "norm")
                .addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Add), "attn", "norm")
                .addLayer("ffn", new TokenFeedForward(6, 10, 0.5), "res")
                .addLayer("norm2", new LayerNormalization(6, 1e-3), "ffn")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(9).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build(), "norm2")
                .setOutputs("out")
                .build(), 9, 9));
        cases.add(new SequenceCase("spark-lamb's transformer layers (multi-layer)", base(15).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(9).nOut(4).hasBias(true).outputDataFormat(RNNFormat.NCW).build())
                .layer(new MultiHeadSelfAttention(4, 1, 0.5))
                // dropout with retain probability 1 on a token layer's input: DL4J's masks and the trainer's keyed
                // ones are all ones, so the step is comparable (keyed dropout itself: BertMiniPresetTest)
                .layer(keepAll(new TokenFeedForward(4, 3, 0.5)))
                .layer(keepAll(new TokenDropout(4, 0.5)))
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(6).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build())
                .build(), 9, 6));
        // vocabulary 100, hidden 16, 2 heads, maximum length 8 (the batch has length 7: the last position row stays unused)
        cases.add(new SequenceCase("bert-mini preset, tiny (dropout off)",
                withSgd(BertNetwork.build(new BertSettings(16, 2, 2, 24, 8, 0.0), 100, 14)), 100, 100));
        return cases;
    }

    static Stream<SequenceCase> caseStream() {
        return cases().stream();
    }

    /** Token ids, a feature mask whose last examples are padded (example i has {@code LENGTH - i} real tokens), labels, label mask. */
    record Batch(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask) {

        static Batch random(long seed, int vocabulary, int classes, int batch, int length) {
            Random random = new Random(seed);
            INDArray x = Nd4j.zeros(DataType.FLOAT, batch, length);
            INDArray fm = Nd4j.zeros(DataType.FLOAT, batch, length);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes, length);
            INDArray lm = Nd4j.zeros(DataType.FLOAT, batch, length);
            for (int i = 0; i < batch; i++) {
                int real = Math.max(1, length - i);
                for (int t = 0; t < length; t++) {
                    x.putScalar(i, t, random.nextInt(vocabulary));
                    y.putScalar(new int[] {i, random.nextInt(classes), t}, 1f);
                    if (t < real) {
                        fm.putScalar(i, t, 1f);
                        if (random.nextInt(3) == 0 || t == 0) {
                            lm.putScalar(i, t, 1f);
                        }
                    }
                }
            }
            return new Batch(x, fm, y, lm);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseStream")
    void oneMaskedStepEqualsDl4jsOwnStep(SequenceCase c) {
        Batch b = Batch.random(c.name().hashCode(), c.vocabulary(), c.classes(), BATCH, LENGTH);

        Model dl4j = c.build();
        float[] before = dl4j.params().toFloatVector();
        DataSet data = new DataSet(b.features(), b.labels(), b.featureMask(), b.labelMask());
        if (dl4j instanceof MultiLayerNetwork n) {
            n.fit(data);
        } else {
            ((ComputationGraph) dl4j).fit(data);
        }
        float[] expected = dl4j.params().toFloatVector();
        double dl4jScore = dl4j.score();

        Replica replica = c.spec().buildReplica();
        ParameterRoles roles = NetworkCheck.check(replica.network(), c.name(), List.of());
        assertThat(replica.parameters()).as("same initialisation").isEqualTo(before);
        assertThat(roles.frozen()).isEmpty();
        float[] sum = new float[(int) replica.parameterCount()];
        double lossSum;
        long[] ids = java.util.stream.LongStream.range(0, BATCH).toArray();
        try (dev.sparklamb.spark.model.dropout.DropoutContext.Scope s = dev.sparklamb.spark.model.dropout.DropoutContext.open(7, 0, ids)) {
            lossSum = replica.gradient(b.features(), b.featureMask(), b.labels(), b.labelMask(), sum);
        }

        // Common divisor: the number of sequences (DL4J's); see the class comment.
        float[] g = roles.prepareGradient(roles.gatherOptimized(sum), roles.gatherOptimized(before), BATCH);
        float[] w = roles.gatherOptimized(before);
        for (int i = 0; i < w.length; i++) {
            w[i] -= g[i] / BATCH;
        }
        float[] actual = before.clone();
        roles.scatterOptimized(w, actual);

        assertThat(lossSum / BATCH).as("loss summed over the real label tokens, over the sequences").isCloseTo(dl4jScore,
                org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(dl4jScore))));
        var layout = roles.full();
        int changed = 0;
        for (int t = 0; t < layout.size(); t++) {
            String name = layout.name(t);
            int from = (int) layout.offset(t);
            boolean moved = false;
            for (int k = 0; k < layout.length(t); k++) {
                float e = expected[from + k];
                float a = actual[from + k];
                assertThat((double) Math.abs(a - e)).as("%s: tensor %s element %d: ours %s, DL4J %s", c, name, k, a, e)
                        .isLessThanOrEqualTo(1e-5 * Math.max(1, Math.abs(e)));
                moved |= e != before[from + k];
            }
            changed += moved ? 1 : 0;
        }
        assertThat(changed).as("DL4J's step changes every tensor (the case exercises each)").isEqualTo(layout.size());
    }

    @org.junit.jupiter.api.Test
    void dropoutDl4jWouldNotApplyToTheLayersInputIsRefusedNamingTheLayer() {
        MultiLayerConfiguration embeddingDropout = base(21).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(11).nOut(6).dropOut(0.9).outputDataFormat(RNNFormat.NCW).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(5).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build())
                .build();
        MultiLayerConfiguration outputDropout = base(22).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(11).nOut(6).outputDataFormat(RNNFormat.NCW).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(5).activation(Activation.SOFTMAX)
                        .dropOut(0.9).dataFormat(RNNFormat.NCW).build())
                .build();
        for (MultiLayerConfiguration conf : List.of(embeddingDropout, outputDropout)) {
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> NetworkCheck.check(net, "test network", List.of()));
            String layer = conf == embeddingDropout ? "layer 0 ('layer0') (EmbeddingSequenceLayer)" : "layer 1 ('layer1') (RnnOutputLayer)";
            assertThat(e).isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class).hasMessageContaining(layer)
                    .hasMessageContaining("sets dropout").hasMessageContaining("DropoutLayer");
        }
    }
}
