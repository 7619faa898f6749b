package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What the refusal of SameDiff layers rests on, measured against central finite differences in double precision
 * (DL4J's {@link GradientCheckUtil}): the sequence layers the trainer accepts ({@code EmbeddingSequenceLayer},
 * {@code RnnOutputLayer}, with feature and label masks) have correct gradients in DL4J 1.0.0-M2, while DL4J's
 * SameDiff layers do not: its multi-head {@code SelfAttentionLayer}, and even a SameDiff layer computing
 * {@code x + 0}, whose backward pass hands its input twice the gradient of the identical network without it. If a DL4J
 * upgrade fixes SameDiff, the last two tests fail, and the refusals in {@link LayerSupport} can be revisited.
 */
class SameDiffGradientTest extends DoublePrecisionTest {

    /** A user-defined SameDiff layer: adds 0 to its input. */
    static final class PlusZero extends SameDiffLambdaLayer {
        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x) {
            return x.add(0.0);
        }

        @Override
        public org.deeplearning4j.nn.conf.inputs.InputType getOutputType(int layerIndex, org.deeplearning4j.nn.conf.inputs.InputType inputType) {
            return inputType;
        }
    }

    /** Embedding (7 tokens, 6 features) - optional middle layer - softmax over 5 classes per position. */
    static ComputationGraph network(Layer middle) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .addLayer("emb", new EmbeddingSequenceLayer.Builder().nIn(7).nOut(6).hasBias(true).outputDataFormat(RNNFormat.NCW).build(), "in");
        String last = "emb";
        if (middle != null) {
            g.addLayer("mid", middle, "emb");
            last = "mid";
        }
        g.addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(5).activation(Activation.SOFTMAX)
                .dataFormat(RNNFormat.NCW).build(), last).setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    record Data(INDArray x, INDArray y, INDArray featureMask, INDArray labelMask) {
        static Data of(int examples, int length) {
            Random r = new Random(1);
            INDArray x = Nd4j.zeros(DataType.DOUBLE, examples, length);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, examples, 5, length);
            INDArray fm = Nd4j.ones(DataType.DOUBLE, examples, length);
            for (int i = 0; i < examples; i++) {
                for (int t = 0; t < length; t++) {
                    x.putScalar(i, t, r.nextInt(7));
                    y.putScalar(new int[] {i, r.nextInt(5), t}, 1);
                }
            }
            fm.putScalar(examples - 1, length - 1, 0);
            fm.putScalar(examples - 1, length - 2, 0);
            INDArray lm = fm.dup();
            lm.putScalar(0, 1, 0);
            return new Data(x, y, fm, lm);
        }
    }

    static boolean finiteDifferencesAgree(ComputationGraph net, Data d) {
        return GradientCheckUtil.checkGradients(config(net, d));
    }

    static GradientCheckUtil.GraphConfig config(ComputationGraph net, Data d) {
        return new GradientCheckUtil.GraphConfig().net(net).inputs(new INDArray[] {d.x()})
                .labels(new INDArray[] {d.y()}).inputMask(new INDArray[] {d.featureMask()}).labelMask(new INDArray[] {d.labelMask()})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.ZEROS).exitOnFirstError(true);
    }

    @Test
    void acceptedSequenceLayersHaveCorrectGradientsWithMasks() {
        assertThat(finiteDifferencesAgree(network(null), Data.of(3, 6))).isTrue();
    }

    @Test
    void dl4jsSelfAttentionLayerFailsTheFiniteDifferenceCheck() {
        ComputationGraph net = network(new SelfAttentionLayer.Builder().nIn(6).nOut(6).nHeads(2).headSize(3).projectInput(true).build());
        assertThat(finiteDifferencesAgree(net, Data.of(3, 6))).as("DL4J 1.0.0-M2 SelfAttentionLayer gradients").isFalse();
    }

    @Test
    void aSameDiffLayerAddingZeroDoublesTheGradientOfItsInput() {
        Data d = Data.of(3, 6);
        ComputationGraph plain = network(null);
        ComputationGraph withLayer = network(new PlusZero());
        withLayer.setParams(plain.params()); // the SameDiff layer has no parameters: the same tensors
        Map<String, INDArray> gradients = new java.util.HashMap<>();
        for (ComputationGraph net : new ComputationGraph[] {plain, withLayer}) {
            net.setInputs(d.x());
            net.setLabels(d.y());
            net.computeGradientAndScore();
            gradients.put(net == plain ? "plain" : "samediff", net.gradient().getGradientFor("emb_W").dup());
        }
        assertThat(withLayer.score()).as("same function").isCloseTo(plain.score(), org.assertj.core.data.Offset.offset(1e-12));
        INDArray ratio = gradients.get("samediff").div(gradients.get("plain"));
        assertThat(ratio.minNumber().doubleValue()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ratio.maxNumber().doubleValue()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void userDefinedSameDiffLayersAreRefusedByClass() {
        ComputationGraph net = network(new PlusZero());
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> NetworkCheck.check(net, "test network", java.util.List.of()));
        assertThat(e).isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class)
                .hasMessageContaining("vertex 'mid' (PlusZero)")
                .hasMessageContaining("user-defined SameDiff layer")
                .hasMessageContaining(PlusZero.class.getName())
                .hasMessageContaining("wrong gradients");
    }
}
