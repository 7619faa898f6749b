package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.BertSettings;
import dev.sparklamb.spark.model.transformer.BertNetwork;
import dev.sparklamb.spark.model.transformer.LayerNormalization;
import dev.sparklamb.spark.model.transformer.MultiHeadSelfAttention;
import dev.sparklamb.spark.model.transformer.PositionEmbedding;
import dev.sparklamb.spark.model.transformer.TokenFeedForward;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * spark-lamb's transformer layers' hand-written backward passes against central finite differences of their forward
 * passes, in double precision (DL4J's {@code GradientCheckUtil}; relative error at most 1e-3 where the gradient is
 * above 1e-8), each between a sequence embedding and a per-position softmax, with a feature mask (padded positions)
 * and a label mask; and the tiny {@code bert-mini} preset as a whole.
 */
class TransformerLayerGradientTest extends DoublePrecisionTest {

    static Stream<Arguments> layers() {
        return Stream.of(Arguments.of("layer normalization", new LayerNormalization(6, 1e-5)),
                Arguments.of("position embedding", new PositionEmbedding(6, 8, 0.5, "test.max-length")),
                Arguments.of("feed-forward (GELU)", new TokenFeedForward(6, 9, 0.5)),
                Arguments.of("multi-head self-attention (2 heads)", new MultiHeadSelfAttention(6, 2, 0.5)),
                Arguments.of("multi-head self-attention (3 heads)", new MultiHeadSelfAttention(6, 3, 0.5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void backwardPassMatchesFiniteDifferences(String name, Layer layer) {
        ComputationGraph net = SameDiffGradientTest.network(layer);
        assertThat(SameDiffGradientTest.finiteDifferencesAgree(net, SameDiffGradientTest.Data.of(3, 6))).as(name).isTrue();
    }

    @org.junit.jupiter.api.Test
    void bertMiniPresetMatchesFiniteDifferences() {
        ComputationGraph net = new ComputationGraph(BertNetwork.build(new BertSettings(8, 1, 2, 12, 8, 0.0), 7, 5, DataType.DOUBLE));
        net.init();
        SameDiffGradientTest.Data d = SameDiffGradientTest.Data.of(3, 6);
        // the preset predicts the vocabulary (7 tokens) at every position
        org.nd4j.linalg.api.ndarray.INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 7, 6);
        labels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(d.y());
        // every tensor, up to 12 elements of each (the layers themselves are checked element by element above)
        assertThat(org.deeplearning4j.gradientcheck.GradientCheckUtil.checkGradients(SameDiffGradientTest.config(net,
                new SameDiffGradientTest.Data(d.x(), labels, d.featureMask(), d.labelMask())).subset(true).maxPerParam(12))).isTrue();
    }
}
