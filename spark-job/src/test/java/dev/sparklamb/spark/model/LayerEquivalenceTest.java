package dev.sparklamb.spark.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.PartitionGradient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
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
 * Every layer and vertex class the trainer accepts ({@link LayerSupport}) is trained as DL4J's own single-process
 * {@code fit} trains it. Each case network is stepped once by DL4J with plain SGD (learning rate 1, so DL4J's update
 * is exactly the gradient it hands its updater: the mean gradient with L1/L2 terms, after gradient normalization) and
 * once through the trainer's own path: {@link PartitionGradient} on one partition with the micro-batch equal to the
 * global batch, the tensors' roles from {@link NetworkCheck}, L1/L2 added to the summed gradient and the running
 * statistics set from their sums. Optimized tensors must equal {@code w - g}, batch normalization's running mean and
 * variance DL4J's own moving averages, and frozen tensors must be untouched, all within 1e-5.
 *
 * <p>{@link LayerSupportTest} checks that the classes these cases contain are exactly the supported ones.
 */
class LayerEquivalenceTest {

    static final int BATCH = 12;

    /** A network to check, with its input width and number of classes. */
    record Case(String name, Object configuration, int features, int classes, boolean integerInputs) {

        Model build() {
            if (configuration instanceof MultiLayerConfiguration c) {
                MultiLayerNetwork n = new MultiLayerNetwork(c.clone());
                n.init();
                return n;
            }
            ComputationGraph g = new ComputationGraph(((ComputationGraphConfiguration) configuration).clone());
            g.init();
            return g;
        }

        ModelSpec spec() {
            return configuration instanceof MultiLayerConfiguration c ? ModelSpec.of(c, name) : ModelSpec.of((ComputationGraphConfiguration) configuration, name);
        }

        /** The layer and vertex classes the case contains, wrapped layers included. */
        Set<Class<?>> configurationClasses() {
            Set<Class<?>> out = new HashSet<>();
            if (configuration instanceof MultiLayerConfiguration c) {
                c.getConfs().forEach(conf -> addLayer(conf.getLayer(), out));
            } else {
                for (GraphVertex v : ((ComputationGraphConfiguration) configuration).getVertices().values()) {
                    out.add(v.getClass());
                    if (v instanceof LayerVertex lv) {
                        addLayer(lv.getLayerConf().getLayer(), out);
                    }
                }
            }
            return out;
        }

        private static void addLayer(Layer l, Set<Class<?>> out) {
            out.add(l.getClass());
            if (l instanceof FrozenLayer f) {
                addLayer(f.getLayer(), out);
            } else if (l instanceof FrozenLayerWithBackprop w) {
                addLayer(w.getUnderlying(), out);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static NeuralNetConfiguration.Builder base(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(new Sgd(1.0)).weightInit(WeightInit.XAVIER);
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("dense + batch norm (log10 std) + l1/l2", base(1).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().decay(0.8).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.RELU).l2(0.01).l1(0.002).l2Bias(0.03).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).l2(0.005).build())
                .setInputType(InputType.feedForward(6)).build(), 6, 3, false));
        cases.add(new Case("dense + batch norm (two, one with locked gamma/beta)", base(2).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(7).activation(Activation.SIGMOID).build())
                .layer(new BatchNormalization.Builder().decay(0.5).build())
                .layer(new BatchNormalization.Builder().lockGammaBeta(true).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build(), 5, 4, false));
        cases.add(new Case("convolutions + batch norm + pooling", base(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().decay(0.9).build())
                .layer(new ZeroPaddingLayer.Builder(1, 1).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(1, 1).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(7, 7, 1)).build(), 49, 3, false));
        cases.add(new Case("gradient normalization, every mode", base(7).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(7).activation(Activation.TANH)
                        .gradientNormalization(GradientNormalization.RenormalizeL2PerLayer).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.TANH)
                        .gradientNormalization(GradientNormalization.RenormalizeL2PerParamType).l2(0.01).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH)
                        .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(1e-4).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH)
                        .gradientNormalization(GradientNormalization.ClipL2PerParamType).gradientNormalizationThreshold(1e-4).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH)
                        .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue).gradientNormalizationThreshold(0.003).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(100).build())
                .setInputType(InputType.feedForward(6)).build(), 6, 3, false));
        cases.add(new Case("frozen layers + loss layer", base(4).list()
                .layer(new FrozenLayer(new DenseLayer.Builder().nIn(6).nOut(6).activation(Activation.TANH).build()))
                .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(5).nOut(3).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .build(), 6, 3, false));
        cases.add(new Case("embedding", base(5).list()
                .layer(new EmbeddingLayer.Builder().nIn(9).nOut(4).build())
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                // Retain probability 1: DL4J's masks and the trainer's keyed ones are all ones, so the step is comparable.
                .layer(new DropoutLayer.Builder(1.0).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3).activation(Activation.SOFTMAX).build())
                .build(), 1, 3, true));
        cases.add(new Case("graph vertices", base(6).graphBuilder()
                .addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.RELU).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addVertex("scaled", new ScaleVertex(0.5), "sum")
                .addVertex("shifted", new ShiftVertex(0.1), "scaled")
                .addVertex("first", new SubsetVertex(0, 3), "shifted")
                .addVertex("normed", new L2NormalizeVertex(), "b")
                .addVertex("merged", new MergeVertex(), "first", "normed")
                .addLayer("bn", new BatchNormalization.Builder().nIn(10).nOut(10).build(), "merged")
                .addVertex("image", new PreprocessorVertex(new FeedForwardToCnnPreProcessor(2, 5, 1)), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "image")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(1).nOut(3).activation(Activation.SOFTMAX)
                        .build(), "pool")
                .setOutputs("out")
                .build(), 8, 3, false));
        // Branches (projection shortcuts): DL4J's paramTable() lists tensors in another order than its flat vector.
        cases.add(new Case("resnet-mini preset", ModelFactory.resnetMini(new dev.sparklamb.spark.config.ModelSettings("resnet-mini", "", 28,
                28, 1, 10), 1), 784, 10, false));
        return cases;
    }

    static Stream<Case> caseStream() {
        return cases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseStream")
    void oneStepEqualsDl4jsOwnStep(Case c) {
        Random random = new Random(c.name().hashCode());
        float[] x = new float[BATCH * c.features()];
        for (int i = 0; i < x.length; i++) {
            x[i] = c.integerInputs() ? random.nextInt(9) : (float) random.nextGaussian();
        }
        int[] labels = new int[BATCH];
        float[] oneHot = new float[BATCH * c.classes()];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = random.nextInt(c.classes());
            oneHot[i * c.classes() + labels[i]] = 1f;
        }

        Model dl4j = c.build();
        float[] before = dl4j.params().toFloatVector();
        INDArray features = Nd4j.createFromArray(x).reshape(BATCH, c.features());
        INDArray y = Nd4j.createFromArray(oneHot).reshape(BATCH, c.classes());
        if (dl4j instanceof MultiLayerNetwork n) {
            n.fit(new DataSet(features, y));
        } else {
            ((ComputationGraph) dl4j).fit(new DataSet(features, y));
        }
        float[] expected = dl4j.params().toFloatVector();

        Replica replica = c.spec().buildReplica();
        ParameterRoles roles = NetworkCheck.check(replica.network(), c.name(), List.of());
        assertThat(replica.parameters()).as("same initialisation").isEqualTo(before);
        long[] ids = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            ids[i] = i;
        }
        ExampleBlock block = new ExampleBlock(0, c.features(), ids, x, labels);
        BatchPlan plan = new BatchPlan(BATCH, BATCH, 1, 0, 7);
        GradientPart part = PartitionGradient.compute(0, replica, roles, block, before, -1, plan, 0, BATCH, c.classes());

        float[] g = roles.prepareGradient(part.gradient(), roles.gatherOptimized(before), BATCH);
        float[] w = roles.gatherOptimized(before);
        for (int i = 0; i < w.length; i++) {
            w[i] -= g[i] / BATCH;
        }
        float[] actual = before.clone();
        roles.scatterOptimized(w, actual);
        if (roles.hasStatistics()) {
            roles.statistics().apply(part.statistics(), BATCH, actual);
        }

        var layout = roles.full();
        for (int t = 0; t < layout.size(); t++) {
            String name = layout.name(t);
            int from = (int) layout.offset(t);
            for (int k = 0; k < layout.length(t); k++) {
                float e = expected[from + k];
                float a = actual[from + k];
                assertThat((double) Math.abs(a - e)).as("%s: tensor %s element %d: ours %s, DL4J %s", c, name, k, a, e)
                        .isLessThanOrEqualTo(1e-5 * Math.max(1, Math.abs(e)));
            }
            if (roles.frozen().contains(name)) {
                assertThat(java.util.Arrays.copyOfRange(expected, from, from + layout.length(t))).as("%s: frozen tensor %s unchanged by DL4J", c, name)
                        .isEqualTo(java.util.Arrays.copyOfRange(before, from, from + layout.length(t)));
            }
        }
        assertThat(part.gradient()).as("frozen tensors leave no gradient").hasSize(roles.optimizedLength());
        if (c.name().startsWith("frozen")) {
            assertThat(roles.frozen()).containsExactly("0_W", "0_b", "1_W", "1_b");
        }
        if (c.name().contains("batch norm")) {
            assertThat(roles.statisticsNames()).isNotEmpty();
            assertThat(roles.optimized().tensors()).noneMatch(s -> s.name().endsWith("_mean") || s.name().endsWith("_log10stdev")
                    || s.name().endsWith("_var"));
        }
    }
}
