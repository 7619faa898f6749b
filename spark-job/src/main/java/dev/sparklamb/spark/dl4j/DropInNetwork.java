package dev.sparklamb.spark.dl4j;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.NetworkCheck;
import dev.sparklamb.spark.model.ParameterRoles;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The user's network held by a {@code SparkDl4jMultiLayer} or {@code SparkComputationGraph}, as the synchronous trainer
 * sees it: its configuration (what the executors build their replicas from), its current parameters (the starting
 * point), and the place the trained parameters are written back to. Networks the trainer would train differently
 * from what their configuration says are refused when this is made by the same {@link NetworkCheck} as the CLI's,
 * naming the layer and the feature.
 */
final class DropInNetwork {

    private final Model model;
    private final ModelSpec spec;
    private final String description;
    /** The network's inference output for (features, features mask or null). */
    private final BiFunction<INDArray, INDArray, INDArray> forward;
    private final LongConsumer addIterations;
    private final ParameterRoles roles;

    private DropInNetwork(Model model, ModelSpec spec, String description, BiFunction<INDArray, INDArray, INDArray> forward,
                          LongConsumer addIterations) {
        this.model = model;
        this.spec = spec;
        this.description = description;
        this.forward = forward;
        this.addIterations = addIterations;
        this.roles = NetworkCheck.check(model, "LambTrainingMaster", java.util.List.of());
    }

    static DropInNetwork of(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        MultiLayerConfiguration replicaConf = conf.clone();
        // Counters change on every fit; the replicas' configuration must not, so that executors keep reusing them.
        replicaConf.setIterationCount(0);
        replicaConf.setEpochCount(0);
        DropInNetwork n = new DropInNetwork(net, ModelSpec.of(replicaConf, "SparkDl4jMultiLayer network"), "the MultiLayerNetwork",
                (x, mask) -> net.output(x, false, mask, null), steps -> conf.setIterationCount(Math.toIntExact(conf.getIterationCount() + steps)));
        n.requireFloat();
        return n;
    }

    static DropInNetwork of(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new ConfigurationException("LambTrainingMaster: the ComputationGraph has " + graph.getNumInputArrays() + " inputs and "
                    + graph.getNumOutputArrays() + " outputs; only graphs with one input and one output are supported");
        }
        ComputationGraphConfiguration conf = graph.getConfiguration();
        ComputationGraphConfiguration replicaConf = conf.clone();
        replicaConf.setIterationCount(0);
        replicaConf.setEpochCount(0);
        DropInNetwork n = new DropInNetwork(graph, ModelSpec.of(replicaConf, "SparkComputationGraph network"), "the ComputationGraph",
                (x, mask) -> graph.output(false, new INDArray[] {x}, mask == null ? null : new INDArray[] {mask})[0], steps -> conf.setIterationCount(Math.toIntExact(conf.getIterationCount() + steps)));
        n.requireFloat();
        return n;
    }

    private void requireFloat() {
        DataType type = model.params().dataType();
        if (type != DataType.FLOAT) {
            throw new ConfigurationException("LambTrainingMaster: " + description + "'s parameters are " + type
                    + "; only FLOAT (32-bit) networks are supported: build the configuration with .dataType(DataType.FLOAT)");
        }
    }

    /** Fails unless the network maps {@code features} inputs per example to {@code classes} outputs. */
    void requireFits(int features, int classes) {
        long outputs;
        try {
            outputs = forward.apply(Nd4j.zeros(DataType.FLOAT, 1, features), null).size(1);
        } catch (RuntimeException e) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " does not accept the DataSets' " + features
                    + " features per example: " + e.getMessage(), e);
        }
        if (outputs != classes) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " has " + outputs + " outputs but the DataSets' labels have "
                    + classes + " columns");
        }
    }

    /**
     * Fails unless the network maps sequences of {@code length} steps with {@code features} values each
     * ({@code [1, features, length]}) to {@code classes} outputs per step ({@code [1, classes, length]}).
     */
    void requireFitsSequences(int features, int length, int classes) {
        org.deeplearning4j.nn.api.Layer[] layers = model instanceof MultiLayerNetwork n ? n.getLayers() : ((ComputationGraph) model).getLayers();
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            if (sequenceFormat(layer.conf().getLayer()) == RNNFormat.NWC) {
                // the DataSets are read as NCW; an NWC layer would take their steps for features (same shapes when L = size)
                throw new ConfigurationException("LambTrainingMaster: layer " + layer.getIndex() + " ('" + layer.conf().getLayer().getLayerName()
                        + "', " + layer.conf().getLayer().getClass().getSimpleName() + ") of " + description + " uses RNNFormat.NWC; "
                        + "sequence DataSets are taken as NCW ([examples, size, L]): configure the sequence layers with RNNFormat.NCW");
            }
        }
        long[] shape;
        try {
            shape = forward.apply(Nd4j.zeros(DataType.FLOAT, 1, features, length), null).shape();
        } catch (RuntimeException e) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " does not accept the DataSets' sequences of " + length
                    + " steps with " + features + " features each ([examples, " + features + ", " + length + "]): " + e.getMessage(), e);
        }
        try { // any minibatch may carry a features mask, and DL4J hands it to every layer
            forward.apply(Nd4j.zeros(DataType.FLOAT, 1, features, length), Nd4j.ones(DataType.FLOAT, 1, length));
        } catch (RuntimeException e) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " fails on a sequence with a features mask ([1, "
                    + features + ", " + length + "] with mask [1, " + length + "]): " + e.getMessage() + columnMaskLayers(layers), e);
        }
        if (shape.length != 3 || shape[1] != classes || shape[2] != length) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " gives output of shape " + java.util.Arrays.toString(shape)
                    + " for one sequence of the DataSets; their labels need [1, " + classes + ", " + length + "]: " + classes
                    + " outputs per step (an RnnOutputLayer in NCW format)");
        }
    }

    /**
     * DL4J 1.0.0-M2's {@code DropoutLayer} and {@code ActivationLayer} multiply their output by the features mask as a
     * column vector ({@code muliColumnVector}), which fails on sequence activations {@code [examples, size, L]}: DL4J's own
     * {@code fit} fails the same way. Names those layers of the network, with what to use instead.
     */
    private static String columnMaskLayers(org.deeplearning4j.nn.api.Layer[] layers) {
        StringBuilder named = new StringBuilder();
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.DropoutLayer || conf instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer) {
                named.append(named.length() == 0 ? "" : ", ").append("layer ").append(layer.getIndex()).append(" ('").append(conf.getLayerName())
                        .append("', ").append(conf.getClass().getSimpleName()).append(')');
            }
        }
        return named.length() == 0 ? "" : ". DL4J 1.0.0-M2's DropoutLayer and ActivationLayer multiply their output by the features mask "
                + "as a column vector, which fails on sequence activations [examples, size, L] (DL4J's own fit fails the same way): "
                + named + ". For dropout on sequences use spark-lamb's TokenDropout (dev.sparklamb.spark.model.transformer.TokenDropout) "
                + "or a layer's own dropOut; instead of an ActivationLayer set the activation of the layer before it";
    }

    /** The time-series format of a sequence layer's data (through frozen wrappers), or null for other layers. */
    private static RNNFormat sequenceFormat(org.deeplearning4j.nn.conf.layers.Layer conf) {
        if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
            return sequenceFormat(f.getLayer());
        }
        if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
            return sequenceFormat(f.getUnderlying());
        }
        if (conf instanceof org.deeplearning4j.nn.conf.layers.RnnOutputLayer o) {
            return o.getRnnDataFormat();
        }
        return conf instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer e ? e.getOutputFormat() : null;
    }

    ModelSpec spec() {
        return spec;
    }

    String description() {
        return description;
    }

    /** What each tensor is to the trainer: the same check the CLI runs ({@link NetworkCheck}). */
    ParameterRoles roles() {
        return roles;
    }

    /** A copy of the current flat parameters. */
    float[] parameters() {
        return model.params().toFloatVector();
    }

    /** Writes trained parameters into the network and advances its iteration counter by {@code steps}. */
    void setTrained(float[] parameters, long steps) {
        INDArray flat = model.params();
        if (parameters.length != flat.length()) {
            throw new IllegalArgumentException("trained parameters have " + parameters.length + " values; the network has " + flat.length());
        }
        flat.assign(Nd4j.createFromArray(parameters).reshape(flat.shape()));
        addIterations.accept(steps);
    }
}
