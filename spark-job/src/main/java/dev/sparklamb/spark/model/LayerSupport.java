package dev.sparklamb.spark.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import dev.sparklamb.spark.model.transformer.LayerNormalization;
import dev.sparklamb.spark.model.transformer.MultiHeadSelfAttention;
import dev.sparklamb.spark.model.transformer.PositionEmbedding;
import dev.sparklamb.spark.model.transformer.TokenDropout;
import dev.sparklamb.spark.model.transformer.TokenFeedForward;

/**
 * Which DL4J 1.0.0-M2 layer and graph-vertex configuration classes the trainer trains exactly as DL4J's own
 * single-process {@code fit} would (with spark-lamb's optimizer in place of DL4J's updater), and why every other one
 * is refused. The supported set is exactly what the equivalence tests cover ({@code LayerEquivalenceTest},
 * {@code SequenceLayerEquivalenceTest} for sequence layers with masks); a class
 * that is in neither list (a user's own layer class, say) is refused too. {@code docs/models.md} lists every class.
 */
public final class LayerSupport {

    /** Layer configurations trained exactly; each is covered by an equivalence test against DL4J's own step. */
    public static final Set<Class<? extends Layer>> SUPPORTED_LAYERS = Set.of(
            DenseLayer.class, OutputLayer.class, LossLayer.class, ConvolutionLayer.class,
            SubsamplingLayer.class, BatchNormalization.class, ActivationLayer.class, DropoutLayer.class,
            GlobalPoolingLayer.class, ZeroPaddingLayer.class, EmbeddingLayer.class, FrozenLayer.class,
            FrozenLayerWithBackprop.class, EmbeddingSequenceLayer.class, RnnOutputLayer.class, LayerNormalization.class,
            PositionEmbedding.class, TokenFeedForward.class, MultiHeadSelfAttention.class, TokenDropout.class);

    /**
     * spark-lamb's own layer classes among {@link #SUPPORTED_LAYERS} (transformer layers with hand-written backward passes,
     * checked against finite differences and DL4J's own fit of networks containing them).
     */
    public static final Set<Class<? extends Layer>> OWN_LAYERS = Set.of(LayerNormalization.class, PositionEmbedding.class,
            TokenFeedForward.class, MultiHeadSelfAttention.class, TokenDropout.class);

    /** Graph vertex configurations trained exactly (a {@link LayerVertex} is checked through its layer). */
    public static final Set<Class<? extends GraphVertex>> SUPPORTED_VERTICES = Set.of(
            LayerVertex.class, ElementWiseVertex.class, MergeVertex.class, ScaleVertex.class, ShiftVertex.class,
            SubsetVertex.class, PreprocessorVertex.class, L2NormalizeVertex.class);

    private static final String SEQUENCE = "is a sequence layer not validated against DL4J's own training with masks yet (the "
            + "sequence layers trained are EmbeddingSequenceLayer, RnnOutputLayer and spark-lamb's transformer layers)";
    /**
     * DL4J 1.0.0-M2 runs SameDiff layers' and vertices' backward pass through ND4J's SameDiff, whose gradients are wrong
     * for these graphs (measured by {@code SameDiffGradientTest} against central finite differences in double precision).
     */
    static final String SAMEDIFF = "is a SameDiff layer: DL4J 1.0.0-M2's SameDiff backward pass gives wrong gradients (measured "
            + "against finite differences in double precision: a SameDiff layer computing x + P passes twice the gradient "
            + "to its input, and SelfAttentionLayer's projection gradients are off by factors of 3 or more), so neither DL4J's "
            + "fit nor this trainer would train it correctly; for attention use spark-lamb's MultiHeadSelfAttention";
    private static final String UNVALIDATED = "is not validated against DL4J's own training yet";

    /** Refused classes by simple name, with the reason shown to the user. */
    private static final Map<String, String> REFUSED = refused();

    private LayerSupport() {
    }

    private static Map<String, String> refused() {
        Map<String, String> r = new LinkedHashMap<>();
        for (String rnn : new String[] {"LSTM", "GravesLSTM", "GravesBidirectionalLSTM", "SimpleRnn", "RnnLossLayer",
                "Bidirectional", "LastTimeStep", "TimeDistributed", "MaskZeroLayer", "MaskLayer", "Convolution1DLayer", "Convolution1D",
                "Subsampling1DLayer", "Pooling1D", "Upsampling1D", "Cropping1D", "ZeroPadding1DLayer", "LocallyConnected1D",
                "RepeatVector", "LastTimeStepVertex", "DuplicateToTimeSeriesVertex", "ReverseTimeSeriesVertex"}) {
            r.put(rnn, SEQUENCE);
        }
        for (String sameDiff : new String[] {"SelfAttentionLayer", "LearnedSelfAttentionLayer", "RecurrentAttentionLayer",
                "AttentionVertex"}) {
            r.put(sameDiff, SAMEDIFF);
        }
        r.put("AutoEncoder", "is a layer-wise pretraining layer (unsupervised); the trainer trains supervised networks end to end");
        r.put("VariationalAutoencoder", "is a layer-wise pretraining layer (unsupervised); the trainer trains supervised networks end to end");
        r.put("CenterLossOutputLayer", "updates its class centers with its own rule (alpha), not by gradient descent");
        r.put("Yolo2OutputLayer", "needs per-cell bounding-box labels; the trainer gives one class label per example");
        r.put("CnnLossLayer", "needs per-pixel labels; the trainer gives one class label per example");
        r.put("Cnn3DLossLayer", "needs per-voxel labels; the trainer gives one class label per example");
        r.put("Convolution2D", "is an alias of ConvolutionLayer that DL4J's builders never create; " + UNVALIDATED + " (use ConvolutionLayer)");
        r.put("Pooling2D", "is an alias of SubsamplingLayer that DL4J's builders never create; " + UNVALIDATED + " (use SubsamplingLayer)");
        r.put("FrozenVertex", UNVALIDATED + "; freeze with FrozenLayer, FrozenLayerWithBackprop or spark-lamb.model.freeze");
        for (String other : new String[] {"LocalResponseNormalization", "Deconvolution2D", "Deconvolution3D", "Convolution3D",
                "Subsampling3DLayer", "Upsampling2D", "Upsampling3D", "Cropping2D", "Cropping3D", "ZeroPadding3DLayer",
                "SeparableConvolution2D", "DepthwiseConvolution2D", "SpaceToDepthLayer", "SpaceToBatchLayer", "LocallyConnected2D",
                "PReLULayer", "ElementWiseMultiplicationLayer", "CapsuleLayer", "CapsuleStrengthLayer", "PrimaryCapsules",
                "StackVertex", "UnstackVertex",
                "ReshapeVertex", "PoolHelperVertex", "L2Vertex"}) {
            r.put(other, UNVALIDATED);
        }
        return r;
    }

    /** The refused classes' simple names with their reasons (for the documentation and the enumeration test). */
    public static Map<String, String> refusedClasses() {
        return java.util.Collections.unmodifiableMap(REFUSED);
    }

    /** Null when {@code layer}'s class is trained exactly; otherwise why it is refused. */
    public static String refusal(Layer layer) {
        if (SUPPORTED_LAYERS.contains(layer.getClass())) {
            return null;
        }
        return reason(layer.getClass());
    }

    /** Null when {@code vertex}'s class is trained exactly; otherwise why it is refused. */
    public static String refusal(GraphVertex vertex) {
        if (SUPPORTED_VERTICES.contains(vertex.getClass())) {
            return null;
        }
        return reason(vertex.getClass());
    }

    private static String reason(Class<?> type) {
        String known = REFUSED.get(type.getSimpleName());
        if (known != null && type.getName().startsWith("org.deeplearning4j.")) {
            return known;
        }
        if (org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer.class.isAssignableFrom(type)
                || org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex.class.isAssignableFrom(type)) {
            return "is a user-defined SameDiff layer or vertex (" + type.getName() + "), refused by class: it " + SAMEDIFF
                    + "; besides, its graph is arbitrary code that may draw random numbers from ND4J's per-thread generator "
                    + "(results would depend on the partitioning)";
        }
        return "is not a DL4J layer class this trainer has validated (" + type.getName() + "); see docs/models.md for those it trains";
    }
}
