package dev.sparklamb.spark.model.transformer;

import dev.sparklamb.spark.config.BertSettings;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A BERT-style transformer encoder for masked-language-model pretraining (Devlin et al. 2019; the LAMB paper's
 * flagship workload, scaled down), as a DL4J {@code ComputationGraph} with one input and one output:
 * <ul>
 *   <li>input {@value #INPUT}: token ids {@code [examples, L]} as floats, with a feature mask {@code [examples, L]}
 *       (1 real token, 0 padding), {@code L <= maxLength};</li>
 *   <li>{@code tok_emb}: DL4J {@code EmbeddingSequenceLayer} (vocabulary x hidden, no bias), then {@code pos_emb}:
 *       learned position embeddings ({@link PositionEmbedding}, {@code maxLength} rows, the first {@code L} used),
 *       {@code emb_norm}: {@link LayerNormalization}, {@code emb_drop}: dropout;</li>
 *   <li>blocks {@code b0, b1, ...} (post-norm, as BERT): {@code b<i>_attn}: {@link MultiHeadSelfAttention}
 *       (projected queries, keys, values and output with biases; padded positions are masked out as keys; DL4J's own
 *       {@code SelfAttentionLayer} is a SameDiff layer with wrong gradients in 1.0.0-M2), {@code b<i>_attn_drop}, {@code b<i>_attn_add} (residual), {@code b<i>_attn_norm};
 *       {@code b<i>_ffn}: {@link TokenFeedForward} (GELU), {@code b<i>_ffn_drop}, {@code b<i>_ffn_add},
 *       {@code b<i>_ffn_norm};</li>
 *   <li>output {@value #OUTPUT}: DL4J {@code RnnOutputLayer}, a softmax over the vocabulary at every position, MCXENT
 *       loss; labels one-hot {@code [examples, vocabulary, L]} with a label mask {@code [examples, L]} marking the
 *       positions whose prediction counts (the masked-out tokens of masked-language modelling).</li>
 * </ul>
 * Dropout layers are {@link TokenDropout}s (DL4J's {@code Dropout} with retain probability {@code 1 - dropout}; absent
 * when dropout is 0; DL4J's {@code DropoutLayer} fails on masked sequences), which the trainer keys per (seed, step,
 * example, layer, element) like every dropout.
 *
 * <p>Tensor names ({@code <vertex>_<param>}): {@code tok_emb_W}, {@code pos_emb_P}, {@code emb_norm_gain},
 * {@code emb_norm_bias}; per block {@code b<i>_attn_Wq, _bq, _Wk, _bk, _Wv, _bv, _Wo, _bo}, {@code b<i>_attn_norm_gain, _bias},
 * {@code b<i>_ffn_W1, _b1, _W2, _b2}, {@code b<i>_ffn_norm_gain, _bias}; {@code mlm_W}, {@code mlm_b}. LAMB's usual
 * exclusions (biases and layer-norm parameters: no weight decay, no layer adaptation) are the regexes
 * {@link #EXCLUDE_FROM_WEIGHT_DECAY}.
 */
public final class BertNetwork {

    public static final String INPUT = "tokens";
    public static final String OUTPUT = "mlm";
    /** Standard deviation of the normal initialisation of embeddings and weights (BERT's 0.02). */
    public static final double INIT_STD = 0.02;
    /** Added to the variance in every layer normalization (BERT's 1e-12 is below float resolution; 1e-5 as in most ports). */
    public static final double LAYER_NORM_EPSILON = 1e-5;
    /**
     * Biases ({@code mlm_b}, {@code b<i>_attn_bq, _bk, _bv, _bo}, {@code b<i>_ffn_b1, _b2}) and every layer
     * normalization's gain and bias ({@code *_norm_gain}, {@code *_norm_bias}).
     */
    public static final java.util.List<String> EXCLUDE_FROM_WEIGHT_DECAY = java.util.List.of("_b[a-z0-9]?$", "_norm_");

    private BertNetwork() {
    }

    /** The encoder for a vocabulary of {@code vocabulary} tokens (ids 0..vocabulary-1). */
    public static ComputationGraphConfiguration build(BertSettings s, int vocabulary, long seed) {
        return build(s, vocabulary, seed, DataType.FLOAT);
    }

    /** As {@link #build(BertSettings, int, long)} with parameters and activations of {@code type} (DOUBLE: gradient checks). */
    public static ComputationGraphConfiguration build(BertSettings s, int vocabulary, long seed, DataType type) {
        if (vocabulary < 2) {
            throw new IllegalArgumentException("bert-mini needs a vocabulary of at least 2 tokens, got " + vocabulary);
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(type)
                .updater(new NoOp())
                .graphBuilder()
                // No setInputTypes: DL4J 1.0.0-M2's graph builder would then overwrite the EmbeddingSequenceLayer's nIn
                // (the vocabulary) with the input's size per position (1). Every layer's sizes and data format
                // (NCW: [examples, features, length]) are set explicitly; without input types RnnOutputLayer's is null.
                .addInputs(INPUT);
        g.addLayer("tok_emb", new EmbeddingSequenceLayer.Builder().nIn(vocabulary).nOut(s.hidden()).hasBias(false)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, INIT_STD)))
                .inputLength(s.maxLength()).outputDataFormat(RNNFormat.NCW).build(), INPUT);
        g.addLayer("pos_emb", new PositionEmbedding(s.hidden(), s.maxLength(), INIT_STD, BertSettings.MAX_LENGTH), "tok_emb");
        String last = dropout(g, s, "emb_drop", norm(g, s, "emb_norm", "pos_emb"));
        for (int i = 0; i < s.layers(); i++) {
            String p = "b" + i + "_";
            g.addLayer(p + "attn", new MultiHeadSelfAttention(s.hidden(), s.heads(), INIT_STD), last);
            g.addVertex(p + "attn_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), dropout(g, s, p + "attn_drop", p + "attn"), last);
            String attended = norm(g, s, p + "attn_norm", p + "attn_add");
            g.addLayer(p + "ffn", new TokenFeedForward(s.hidden(), s.feedForward(), INIT_STD), attended);
            g.addVertex(p + "ffn_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), dropout(g, s, p + "ffn_drop", p + "ffn"), attended);
            last = norm(g, s, p + "ffn_norm", p + "ffn_add");
        }
        g.addLayer(OUTPUT, new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(s.hidden()).nOut(vocabulary)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).dataFormat(RNNFormat.NCW).build(), last);
        g.setOutputs(OUTPUT);
        return g.build();
    }

    private static String norm(ComputationGraphConfiguration.GraphBuilder g, BertSettings s, String name, String in) {
        g.addLayer(name, new LayerNormalization(s.hidden(), LAYER_NORM_EPSILON), in);
        return name;
    }

    /** A dropout layer after {@code in} (its name returned), or {@code in} itself when dropout is off. */
    private static String dropout(ComputationGraphConfiguration.GraphBuilder g, BertSettings s, String name, String in) {
        if (s.dropout() == 0) {
            return in;
        }
        g.addLayer(name, new TokenDropout(s.hidden(), s.dropout()), in);
        return name;
    }
}
